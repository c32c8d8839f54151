import { EventEmitter } from "node:events";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { AppointmentService } from "../gen/sched/v1/appointment_service_pb.js";
import { callContext, type CallContextInit } from "../src/transport/http/call-context.js";
import type { NodeResponse } from "../src/transport/http/http-route.js";

// The handler context of REST and the unary gRPC route: its signal, made only
// when read, fires for every reason connect's would.

const method = AppointmentService.method.createAppointment;

function call(init: Partial<CallContextInit> = {}) {
  const response = new EventEmitter();
  const context = callContext(
    { method, protocolName: "grpc", requestMethod: "POST", url: "http://localhost/x", requestHeader: new Headers({ a: "1" }), contextValues: createContextValues(), ...init },
    response as unknown as NodeResponse,
  );
  return { response, context };
}

const reasonOf = (signal: AbortSignal): ConnectError => signal.reason as ConnectError;

describe("a call's handler context", () => {
  it("carries the call's method, headers and answer headers", () => {
    const { context } = call({ responseHeader: { "content-type": "application/grpc+proto" }, responseTrailer: { "grpc-status": "0" } });
    expect(context.method).toBe(method);
    expect(context.service).toBe(AppointmentService);
    expect(context.requestHeader.get("a")).toBe("1");
    expect(context.responseHeader.get("content-type")).toBe("application/grpc+proto");
    expect(context.responseTrailer.get("grpc-status")).toBe("0");
    expect(context.timeoutMs()).toBeUndefined();
  });

  it("aborts as Canceled when the client goes away, whether its signal was read before or after", () => {
    const before = call();
    const signal = before.context.signal;
    expect(signal.aborted).toBe(false);
    before.response.emit("close");
    expect(signal.aborted).toBe(true);
    expect(reasonOf(signal).code).toBe(Code.Canceled);

    const after = call();
    after.response.emit("close");
    expect(after.context.signal.aborted).toBe(true);
    expect(reasonOf(after.context.signal).code).toBe(Code.Canceled);
  });

  it("ends with the route's reason, and leaves no listener on the response", () => {
    const { response, context } = call();
    const signal = context.signal;
    const answered = new ConnectError("answered", Code.Canceled);
    context.end(answered);
    expect(signal.reason).toBe(answered);
    expect(response.listenerCount("close")).toBe(0);
    response.emit("close");
    expect(signal.reason).toBe(answered);
  });

  it("aborts as DeadlineExceeded at its deadline, and counts the time left down", async () => {
    const { context } = call({ timeoutMs: 30 });
    expect(context.timeoutMs()).toBeGreaterThan(0);
    expect(context.timeoutMs()).toBeLessThanOrEqual(30);
    const signal = context.signal;
    await new Promise((r) => setTimeout(r, 60));
    expect(signal.aborted).toBe(true);
    expect(reasonOf(signal).code).toBe(Code.DeadlineExceeded);
  });

  it("aborts when the server drains, and stops listening to the drain once ended", () => {
    const drain = new AbortController();
    const { context } = call({ shutdownSignal: drain.signal });
    const signal = context.signal;
    drain.abort(new ConnectError("shutting down", Code.Unavailable));
    expect(reasonOf(signal).code).toBe(Code.Unavailable);

    const drained = call({ shutdownSignal: drain.signal });
    expect(drained.context.signal.aborted).toBe(true);
  });
});
