import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/health/v1/health_pb.js";
import { DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { grpcClient, grpcFirstStreamed, grpcUnary } from "./support/grpc-client.js";
import { connectJson, http1Request, http2Request } from "./support/http-clients.js";
import type { ServerProcess } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: ServerProcess;
let served: ServedDatabase | undefined;
let client: grpc.Client;

beforeAll(async () => {
  served = await startServedDatabase("server_observability");
  server = served.server;
  client = grpcClient(server.port);
});

afterAll(async () => {
  client?.close();
  await served?.close();
});

async function call(procedure: string, message: unknown): Promise<Record<string, any>> {
  return JSON.parse((await http1Request(server.port, connectJson(procedure, message))).body) as Record<string, any>;
}

async function metricsText(): Promise<string> {
  const answer = await http1Request(server.port, { path: "/metrics" });
  expect(answer.headers["content-type"]).toMatch(/^text\/plain/);
  return answer.body;
}

describe("request ids and logs", () => {
  it("echoes the caller's X-Request-ID and generates a fresh one otherwise", async () => {
    const echoed = await http1Request(server.port, { path: "/health/live", headers: { "x-request-id": "caller-42" } });
    expect(echoed.headers["x-request-id"]).toBe("caller-42");
    const first = await http1Request(server.port, connectJson("DirectoryService/CreatePatient", { name: "Id One" }));
    const second = await http2Request(server.port, connectJson("DirectoryService/CreatePatient", { name: "Id Two" }));
    expect(first.headers["x-request-id"]).toMatch(uuid);
    expect(second.headers["x-request-id"]).toMatch(uuid);
    expect(first.headers["x-request-id"]).not.toBe(second.headers["x-request-id"]);
  });

  it("writes one log line per request with its id, protocol, procedure, status and duration", async () => {
    const logged = connectJson("DirectoryService/CreatePatient", { name: "Logged" }, { "x-request-id": "log-me" });
    await http2Request(server.port, logged);
    await expect.poll(() => server.logLines().filter((line) => line.request_id === "log-me")).toHaveLength(1);
    expect(server.logLines().find((line) => line.request_id === "log-me")).toMatchObject({
      msg: "request",
      protocol: "connect",
      procedure: "/sched.v1.DirectoryService/CreatePatient",
      status: 200,
      code: "ok",
      duration_ms: expect.any(Number),
    });
  });
});

describe("health", () => {
  it("is ready when PostgreSQL and Redis answer", async () => {
    const answer = await http1Request(server.port, { path: "/health/ready" });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: "ok", checks: { postgres: "ok", redis: "ok" } });
  });

  it("reports SERVING from grpc.health.v1 Check for the server and each service, NOT_FOUND for others", async () => {
    for (const service of ["", "sched.v1.AppointmentService", "sched.v1.SlotService", "sched.v1.DirectoryService"]) {
      const { response } = await grpcUnary(client, Health.method.check, { service });
      expect(response?.status).toBe(ServingStatus.SERVING);
    }
    const unknown = await grpcUnary(client, Health.method.check, { service: "no.such.Service" });
    expect(unknown.error?.code).toBe(grpc.status.NOT_FOUND);
  });

  it("streams the current status from grpc.health.v1 Watch, SERVICE_UNKNOWN for an unknown service", async () => {
    expect((await grpcFirstStreamed(client, Health.method.watch, { service: "" })).status).toBe(ServingStatus.SERVING);
    const unknown = await grpcFirstStreamed(client, Health.method.watch, { service: "no.such.Service" });
    expect(unknown.status).toBe(ServingStatus.SERVICE_UNKNOWN);
  });
});

describe("/metrics", () => {
  it("counts requests by protocol, procedure and code, and shows the pool", async () => {
    await http1Request(server.port, connectJson("DirectoryService/CreatePatient", { name: "Counted" }));
    await grpcUnary(client, DirectoryService.method.getPatient, { id: "00000000-0000-4000-8000-000000000000" });
    const text = await metricsText();
    expect(text).toMatch(/^sched_requests_total\{protocol="connect",procedure="\/sched.v1.DirectoryService\/CreatePatient",code="ok"\} \d+$/m);
    expect(text).toMatch(/^sched_requests_total\{protocol="grpc",procedure="\/sched.v1.DirectoryService\/GetPatient",code="not_found"\} 1$/m);
    expect(text).toMatch(/^sched_request_duration_seconds_count\{protocol="connect",.*\} \d+$/m);
    expect(text).toMatch(/^sched_pg_pool_connections \d+$/m);
  });

  it("does not publish the Node version, which only helps an attacker pick an exploit", async () => {
    const text = await metricsText();
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).not.toContain("nodejs_version_info");
    expect(text).not.toContain(process.version);
  });

  it("counts bookings by outcome and slot-lock attempts by outcome", async () => {
    const { clinician } = await call("DirectoryService/CreateClinician", { name: "Dr Metrics" });
    const { slots } = await call("SlotService/CreateSlots", {
      clinicianId: clinician.id,
      startTime: "2031-03-03T09:00:00Z",
      endTime: "2031-03-03T09:30:00Z",
    });
    for (const name of ["First", "Second"]) {
      const { patient } = await call("DirectoryService/CreatePatient", { name });
      await call("AppointmentService/CreateAppointment", { slotId: slots[0].id, patientId: patient.id });
    }
    const text = await metricsText();
    expect(text).toMatch(/^sched_bookings_total\{outcome="created"\} 1$/m);
    expect(text).toMatch(/^sched_bookings_total\{outcome="slot_already_booked"\} 1$/m);
    expect(text).toMatch(/^sched_slot_lock_attempts_total\{outcome="acquired"\} 2$/m);
  });
});
