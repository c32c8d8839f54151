import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { errorInfoReasons, grpcClient, grpcUnary } from "./support/grpc-client.js";
import { connectJson, http1Request, http2Request } from "./support/http-clients.js";
import type { ServerProcess } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const missingId = "00000000-0000-4000-8000-000000000000";

let server: ServerProcess;
let served: ServedDatabase | undefined;
let client: grpc.Client;

beforeAll(async () => {
  served = await startServedDatabase("server_protocols");
  server = served.server;
  client = grpcClient(server.port);
});

afterAll(async () => {
  client?.close();
  await served?.close();
});

const overBoth = [
  ["HTTP/1.1", http1Request],
  ["HTTP/2", http2Request],
] as const;

describe("one port, HTTP/1.1 and cleartext HTTP/2", () => {
  it.each(overBoth)("answers /health/live over %s", async (_, send) => {
    const answer = await send(server.port, { path: "/health/live" });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: "ok", uptime_seconds: expect.any(Number) });
  });

  it.each(overBoth)("serves a Connect JSON call over %s", async (_, send) => {
    const answer = await send(server.port, connectJson("DirectoryService/CreatePatient", { name: "Ada Connect" }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ patient: { id: expect.stringMatching(uuid), name: "Ada Connect" } });
  });

  it.each(overBoth)("answers a path that neither REST nor Connect serves with the REST 404 body over %s", async (_, send) => {
    const answer = await send(server.port, { path: "/no/such/path" });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({ error: "not_found", details: expect.any(String) });
  });

  it("refuses a request body over the 1 MiB limit", async () => {
    const huge = connectJson("DirectoryService/CreatePatient", { name: "x".repeat(2 * 1024 * 1024) });
    const answer = await http1Request(server.port, huge);
    expect(answer.status).toBe(429);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "resource_exhausted" });
  });
});

describe("gRPC with @grpc/grpc-js", () => {
  it("gets NOT_FOUND with an ErrorInfo reason, and the request id as a response header", async () => {
    const metadata = new grpc.Metadata();
    metadata.set("x-request-id", "grpc-call-1");
    const { error, headers } = await grpcUnary(client, DirectoryService.method.getPatient, { id: missingId }, metadata);
    expect(error?.code).toBe(grpc.status.NOT_FOUND);
    expect(errorInfoReasons(error!)).toEqual(["patient_not_found"]);
    expect(headers.get("x-request-id")).toEqual(["grpc-call-1"]);
  });

  it("creates and reads a patient, with a generated request id", async () => {
    const created = await grpcUnary(client, DirectoryService.method.createPatient, { name: "Grace Grpc" });
    expect(created.headers.get("x-request-id")).toEqual([expect.stringMatching(uuid)]);
    const read = await grpcUnary(client, DirectoryService.method.getPatient, { id: created.response!.patient!.id });
    expect(read.response?.patient?.name).toBe("Grace Grpc");
  });
});

describe("gRPC-Web", () => {
  it("gets NOT_FOUND with the ErrorInfo reason over HTTP/1.1", async () => {
    const grpcWeb = createClient(DirectoryService, createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" }));
    const failure = await grpcWeb.getPatient({ id: missingId }).then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    expect(failure?.code).toBe(Code.NotFound);
    expect(failure?.findDetails(ErrorInfoSchema).map((info) => info.reason)).toEqual(["patient_not_found"]);
    await expect
      .poll(() => server.logLines().findLast((entry) => entry.protocol === "grpc-web"))
      .toMatchObject({ procedure: "/sched.v1.DirectoryService/GetPatient", code: "not_found" });
  });
});
