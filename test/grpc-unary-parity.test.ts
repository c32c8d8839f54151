import http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcUnaryRoute } from "../src/transport/grpc/grpc-unary-route.js";
import { ProcedureTable, served as servedService } from "../src/transport/procedures/procedure-table.js";
import { HealthCheckRequestSchema } from "../gen/health/v1/health_pb.js";
import { CreatePatientRequestSchema, CreatePatientResponseSchema, DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { grpcClient, grpcUnary } from "./support/grpc-client.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

/*
 * The sched services' unary gRPC calls are answered by the server's own
 * route (src/transport/grpc), the standard health service by connect-node.
 * Whatever a client sends, both must answer alike: the same status, the same
 * message, in the trailers.
 */

let served: ServedDatabase | undefined;
let port: number;

beforeAll(async () => {
  served = await startServedDatabase("grpc_unary_parity");
  port = served.server.port;
});

afterAll(async () => {
  await served?.close();
});

interface GrpcAnswer {
  httpStatus: number;
  contentType: string | undefined;
  grpcStatus: number | undefined;
  grpcMessage: string | undefined;
  acceptEncoding: string | undefined;
  /** Answered with trailers (or trailers-only headers), not a reset stream. */
  ended: "trailers" | "reset";
  body: Buffer;
}

function envelope(message: Uint8Array, flags = 0): Buffer {
  const bytes = Buffer.alloc(5 + message.length);
  bytes.writeUInt8(flags, 0);
  bytes.writeUInt32BE(message.length, 1);
  bytes.set(message, 5);
  return bytes;
}

function grpcCall(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<GrpcAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    let settled = false;
    // An answer ends with its trailers; connect-node stops reading an oversized
    // body without closing the stream, so the call is over then, not at close.
    const finish = (): void => {
      if (settled) return;
      settled = true;
      session.destroy();
      const status = trailers ?? responseHeaders;
      const grpcStatus = status["grpc-status"];
      resolve({
        httpStatus: Number(responseHeaders[":status"]),
        contentType: responseHeaders["content-type"],
        grpcStatus: grpcStatus === undefined ? undefined : Number(grpcStatus),
        grpcMessage: status["grpc-message"] === undefined ? undefined : decodeURIComponent(String(status["grpc-message"])),
        acceptEncoding: (trailers?.["grpc-accept-encoding"] ?? responseHeaders["grpc-accept-encoding"]) as string | undefined,
        ended: grpcStatus === undefined ? "reset" : "trailers",
        body: Buffer.concat(chunks),
      });
    };
    stream.on("response", (received) => {
      responseHeaders = received;
      if (received["grpc-status"] !== undefined) finish();
    });
    stream.on("trailers", (received) => {
      trailers = received;
      finish();
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    stream.on("close", finish);
    stream.end(body);
  });
}

const ours = "/sched.v1.DirectoryService/CreatePatient";
const connectNodes = "/grpc.health.v1.Health/Check";
const validFor = (path: string): Uint8Array =>
  path === ours ? toBinary(CreatePatientRequestSchema, create(CreatePatientRequestSchema, { name: "Ada Parity" })) : toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, {}));

// Each case builds its request for a path, so that it is the same request for both.
const malformed: [string, (path: string) => { body: Buffer; headers?: Record<string, string> }][] = [
  ["no message at all", () => ({ body: Buffer.alloc(0) })],
  ["a prefix cut short", () => ({ body: Buffer.from([0, 0, 0]) })],
  ["a message shorter than its prefix says", () => ({ body: envelope(new Uint8Array(10)).subarray(0, 8) })],
  ["two messages for a unary method", (path) => ({ body: Buffer.concat([envelope(validFor(path)), envelope(validFor(path))]) })],
  ["bytes that are not protobuf", () => ({ body: envelope(Uint8Array.from([0xff, 0xff, 0xff, 0xff])) })],
  ["a compressed flag without an encoding", (path) => ({ body: envelope(validFor(path), 1) })],
  ["an encoding the server does not know", (path) => ({ body: envelope(validFor(path)), headers: { "grpc-encoding": "snappy" } })],
  ["a deadline it cannot read", (path) => ({ body: envelope(validFor(path)), headers: { "grpc-timeout": "soon" } })],
];

describe("a unary gRPC call answered by the server's own route and by connect-node", () => {
  it.each(malformed)("refuses %s with the same status and message", async (_, build) => {
    const [ourAnswer, theirAnswer] = await Promise.all([ours, connectNodes].map((path) => {
      const { body, headers } = build(path);
      return grpcCall(path, body, headers);
    }));
    expect(ourAnswer!.ended).toBe("trailers");
    expect(ourAnswer!.grpcStatus).not.toBe(0);
    expect({ ...ourAnswer!, body: undefined }).toEqual({ ...theirAnswer!, body: undefined });
  });

  it("refuses a message over the size cap with RESOURCE_EXHAUSTED in the trailers, as connect-node does", async () => {
    // Three times the cap: the rest of the body is dropped, and past another cap's worth the stream is reset, after the answer.
    const huge = envelope(new Uint8Array(3 * 1024 * 1024));
    const [ourAnswer, theirAnswer] = await Promise.all([grpcCall(ours, huge), grpcCall(connectNodes, huge)]);
    expect(ourAnswer.ended).toBe("trailers");
    expect(ourAnswer.grpcStatus).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(theirAnswer.grpcStatus).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it("reads a gzip-compressed request and names the encoding it accepts, as connect-node does", async () => {
    const headers = { "grpc-encoding": "gzip", "grpc-accept-encoding": "gzip" };
    const [ourAnswer, theirAnswer] = await Promise.all(
      [ours, connectNodes].map((path) => grpcCall(path, envelope(gzipSync(validFor(path)), 1), headers)),
    );
    expect(ourAnswer!.grpcStatus).toBe(0);
    expect(theirAnswer!.grpcStatus).toBe(0);
    expect(ourAnswer!.contentType).toBe(theirAnswer!.contentType);
    const message = ourAnswer!.body.subarray(5);
    expect(ourAnswer!.body.readUInt8(0)).toBe(0);
    expect(fromBinary(CreatePatientResponseSchema, message).patient?.name).toBe("Ada Parity");
  });

  it("serves a real gRPC client, metadata and error details included", async () => {
    const client = grpcClient(port);
    try {
      const created = await grpcUnary(client, DirectoryService.method.createPatient, { name: "Ada Client" });
      expect(created.error).toBeUndefined();
      expect(created.response?.patient?.name).toBe("Ada Client");
      expect(created.headers.get("x-request-id")).toHaveLength(1);
      const missing = await grpcUnary(client, DirectoryService.method.getPatient, { id: "00000000-0000-4000-8000-000000000000" });
      expect(missing.error?.code).toBe(grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }
  });
});

describe("the route on its own, with nothing behind it", () => {
  it("answers a gRPC client's unary call, and leaves a method it does not serve to whatever comes next", async () => {
    const alone = servedService(DirectoryService, { createPatient: (request) => Promise.resolve({ patient: { id: "p-1", name: request.name } }) }, "open");
    const route = grpcUnaryRoute(new ProcedureTable([alone], (spec) => spec).procedures, { maxBodyBytes: 1024 });
    const server = http2.createServer((request, response) => {
      void route(request, response).then((answered) => {
        if (answered) return;
        response.statusCode = 404;
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = grpcClient((server.address() as { port: number }).port);
    try {
      const created = await grpcUnary(client, DirectoryService.method.createPatient, { name: "Ada Alone" });
      expect(created.response?.patient).toMatchObject({ id: "p-1", name: "Ada Alone" });
      const elsewhere = await grpcUnary(client, DirectoryService.method.getPatient, { id: "p-1" });
      expect(elsewhere.error?.code).toBe(grpc.status.UNIMPLEMENTED);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
