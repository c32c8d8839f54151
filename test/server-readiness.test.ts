import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/health/v1/health_pb.js";
import { DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { grpcClient, grpcUnary } from "./support/grpc-client.js";
import { http1Request } from "./support/http-clients.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

let database: TestDatabase;
const servers: ServerProcess[] = [];
let redisDown: ServerProcess;
let missingDatabase: ServerProcess;
let closedPort: ServerProcess;

function dsnWithDatabase(dsn: string, name: string): string {
  const url = new URL(dsn);
  url.pathname = `/${name}`;
  return url.toString();
}

beforeAll(async () => {
  database = await createTestDatabase("server_readiness");
  await migrate(database.dsn);
  const started = await Promise.all([
    startServerProcess({ POSTGRES_DSN: database.dsn, REDIS_URL: "127.0.0.1:1" }),
    startServerProcess({ POSTGRES_DSN: dsnWithDatabase(database.dsn, `${database.name}_missing`) }),
    startServerProcess({ POSTGRES_DSN: "postgres://postgres@127.0.0.1:1/sched" }),
  ]);
  servers.push(...started);
  [redisDown, missingDatabase, closedPort] = started as [ServerProcess, ServerProcess, ServerProcess];
});

afterAll(async () => {
  for (const server of servers) process.kill(server.pid, "SIGKILL");
  await Promise.all(servers.map((server) => server.exited));
  await database?.drop();
});

async function readiness(server: ServerProcess): Promise<{ status: number; body: unknown }> {
  const answer = await http1Request(server.port, { path: "/health/ready" });
  return { status: answer.status, body: JSON.parse(answer.body) };
}

describe("/health/ready", () => {
  it("is degraded but ready (200) when only Redis is down, and bookings' dependencies still work", async () => {
    expect(await readiness(redisDown)).toEqual({
      status: 200,
      body: { status: "degraded", checks: { postgres: "ok", redis: "unavailable" } },
    });
    const created = await http1Request(redisDown.port, {
      method: "POST",
      path: "/sched.v1.DirectoryService/CreatePatient",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Still Served" }),
    });
    expect(created.status).toBe(200);
  });

  it.each([
    ["a database that does not exist", () => missingDatabase],
    ["a closed port", () => closedPort],
  ])("is unavailable (503) when POSTGRES_DSN points at %s, while /health/live stays 200", async (_, server) => {
    expect(await readiness(server())).toEqual({
      status: 503,
      body: { status: "unavailable", checks: { postgres: "unavailable", redis: "ok" } },
    });
    expect((await http1Request(server().port, { path: "/health/live" })).status).toBe(200);
  });

  it("says at start that PostgreSQL does not answer, in one log line", () => {
    const warnings = closedPort.logLines().filter((line) => /PostgreSQL does not answer/.test(String(line.msg)));
    expect(warnings).toHaveLength(1);
  });
});

describe("grpc.health.v1 Check", () => {
  it("is NOT_SERVING without PostgreSQL and SERVING with it, Redis or not", async () => {
    const check = async (server: ServerProcess): Promise<ServingStatus | undefined> => {
      const client = grpcClient(server.port);
      try {
        return (await grpcUnary(client, Health.method.check, { service: "" })).response?.status;
      } finally {
        client.close();
      }
    };
    expect(await check(closedPort)).toBe(ServingStatus.NOT_SERVING);
    expect(await check(missingDatabase)).toBe(ServingStatus.NOT_SERVING);
    expect(await check(redisDown)).toBe(ServingStatus.SERVING);
  });

  it("answers RPCs with UNAVAILABLE while PostgreSQL is down, and logs the cause with the request id", async () => {
    const client = grpcClient(closedPort.port);
    const metadata = new grpc.Metadata();
    metadata.set("x-request-id", "pg-down-1");
    const { error } = await grpcUnary(client, DirectoryService.method.createPatient, { name: "Nobody" }, metadata);
    client.close();
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    await expect.poll(() => closedPort.logLines().filter((line) => line.request_id === "pg-down-1")).toHaveLength(2);
    const [warning, request] = closedPort.logLines().filter((line) => line.request_id === "pg-down-1");
    expect(warning).toMatchObject({ level: 40, reason: "unavailable", err: { message: expect.any(String) } });
    expect(request).toMatchObject({ msg: "request", protocol: "grpc", code: "unavailable", reason: "unavailable" });
  });
});
