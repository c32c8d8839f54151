import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/health/v1/health_pb.js";
import { AppointmentService } from "../gen/sched/v1/appointment_service_pb.js";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { auditInvariants } from "../src/adapters/postgres/tooling/audit-invariants.js";
import { grpcClient, grpcUnary } from "./support/grpc-client.js";
import { http1Request, type Answer } from "./support/http-clients.js";
import { createPrivatePostgres, type PrivatePostgres } from "./support/private-postgres.js";
import { spawnSched, startServerProcess, type SchedChild, type ServerProcess } from "./support/sched-process.js";

// A safety bound on "fails fast", far above the 1 s timeouts configured
// below: it catches a request that hangs, not a slow machine.
const failFastBoundMs = 8_000;

let postgres: PrivatePostgres;
let admin: pg.Pool;
let server: ServerProcess;
let worker: SchedChild;
let patientIds: string[];
let slotIds: string[];

beforeAll(async () => {
  postgres = await createPrivatePostgres("outage");
  const setup = new pg.Client({ connectionString: postgres.adminDsn });
  await setup.connect();
  await setup.query("CREATE DATABASE sched");
  await setup.end();
  const dsn = postgres.dsn("sched");
  await migrate(dsn);
  admin = new pg.Pool({ connectionString: dsn, max: 2 });
  admin.on("error", () => {});
  const clinician = await admin.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Outage') RETURNING id`);
  patientIds = (
    await admin.query<{ id: string }>(`INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, 20) n RETURNING id`)
  ).rows.map((row) => row.id);
  slotIds = (
    await admin.query<{ id: string }>(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time)
       SELECT $1, t, t + interval '30 minutes'
         FROM generate_series(timestamptz '2031-03-03 08:00Z', timestamptz '2031-03-03 08:00Z' + interval '19 hours 30 minutes', interval '30 minutes') t
       RETURNING id`,
      [clinician.rows[0]!.id],
    )
  ).rows.map((row) => row.id);
  const timeouts = { POSTGRES_CONNECT_TIMEOUT: "1s", POSTGRES_QUERY_TIMEOUT: "1s" };
  server = await startServerProcess({ POSTGRES_DSN: dsn, ...timeouts });
  worker = startWorker({ POSTGRES_DSN: dsn, ...timeouts, WORKER_INTERVAL: "200ms" });
});

afterAll(async () => {
  await server?.stop("SIGKILL");
  await worker?.stop();
  await admin?.end();
  await postgres?.destroy();
});

function startWorker(env: Record<string, string>): SchedChild {
  return spawnSched(["expiry-worker"], { env: { APP_ENV: "prod", ...env } });
}

function book(slot: number, patient: number, headers: Record<string, string> = {}): Promise<Answer> {
  return http1Request(server.port, {
    method: "POST",
    path: "/appointments",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ slot_id: slotIds[slot], patient_id: patientIds[patient] }),
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  const value = await work();
  return { value, elapsedMs: performance.now() - started };
}

async function readiness(): Promise<number> {
  return (await http1Request(server.port, { path: "/health/ready" })).status;
}

async function grpcHealth(): Promise<ServingStatus | undefined> {
  const client = grpcClient(server.port);
  try {
    return (await grpcUnary(client, Health.method.check, { service: "" })).response?.status;
  } finally {
    client.close();
  }
}

/** Every kind of request the outage must refuse quickly, each with its elapsed time. */
async function requestsDuringOutage(): Promise<Array<{ what: string; status: number | undefined; elapsedMs: number }>> {
  const rest = [
    ["create", () => book(1, 1)],
    ["create with an idempotency key", () => book(2, 2, { "idempotency-key": `outage-${Math.random()}` })],
    ["get", () => http1Request(server.port, { path: `/appointments/${slotIds[0]}` })],
    ["list", () => http1Request(server.port, { path: `/appointments?slot_id=${slotIds[0]}` })],
  ] as const;
  const answers = await Promise.all(
    rest.map(async ([what, call]) => {
      const { value, elapsedMs } = await timed(call);
      return { what, status: value.status, body: JSON.parse(value.body) as { error?: string }, elapsedMs };
    }),
  );
  const client = grpcClient(server.port);
  const overGrpc = await timed(() =>
    grpcUnary(client, AppointmentService.method.createAppointment, { slotId: slotIds[3], patientId: patientIds[3] }),
  );
  client.close();
  return [
    ...answers.map(({ what, status, body, elapsedMs }) => ({ what, status: body.error === "unavailable" ? status : -1, elapsedMs })),
    { what: "gRPC create", status: overGrpc.value.error?.code, elapsedMs: overGrpc.elapsedMs },
  ];
}

function expectRefusedFast(answers: Array<{ what: string; status: number | undefined; elapsedMs: number }>): void {
  for (const answer of answers) {
    expect(answer, answer.what).toMatchObject({ status: answer.what.startsWith("gRPC") ? grpc.status.UNAVAILABLE : 503 });
    expect(answer.elapsedMs, answer.what).toBeLessThan(failFastBoundMs);
  }
}

async function untilBookingSucceeds(slot: number, patient: number): Promise<Answer> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await book(slot, patient);
    if (answer.status !== 503 || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a PostgreSQL outage under a running server and expiry worker", () => {
  it("serves before the outage", async () => {
    expect((await book(0, 0)).status).toBe(201);
    expect(await readiness()).toBe(200);
  });

  it("refuses requests fast with unavailable while PostgreSQL is stopped, then recovers by itself", async () => {
    await postgres.stop();
    expectRefusedFast(await requestsDuringOutage());
    expect(await readiness()).toBe(503);
    expect(await grpcHealth()).toBe(ServingStatus.NOT_SERVING);
    await expect.poll(() => /expiry run failed/.test(worker.stdout()), { timeout: 10_000 }).toBe(true);

    await postgres.start();
    expect((await untilBookingSucceeds(4, 4)).status).toBe(201);
    expect(await readiness()).toBe(200);
    expect(await grpcHealth()).toBe(ServingStatus.SERVING);
    const runsAfterRestart = (): number => worker.stdout().split("\n").filter((line) => line.includes("expiry run finished")).length;
    const before = runsAfterRestart();
    await expect.poll(runsAfterRestart, { timeout: 10_000 }).toBeGreaterThan(before);
  });

  it("refuses requests within the query timeout while PostgreSQL accepts nothing and answers nothing, then recovers", async () => {
    postgres.pause();
    try {
      expectRefusedFast(await requestsDuringOutage());
      expect(await readiness()).toBe(503);
    } finally {
      postgres.resume();
    }
    expect((await untilBookingSucceeds(5, 5)).status).toBe(201);
    expect(await readiness()).toBe(200);
  });

  it("kept both processes running, and the database holds what the clients were told", async () => {
    expect(server.stderr()).toBe("");
    await expect(Promise.race([server.exited, new Promise((resolve) => setTimeout(() => resolve("running"), 100))])).resolves.toBe("running");
    await expect(Promise.race([worker.exited, new Promise((resolve) => setTimeout(() => resolve("running"), 100))])).resolves.toBe("running");
    const booked = await admin.query<{ slot_id: string }>(`SELECT slot_id FROM appointments WHERE status = 'pending'`);
    expect(booked.rows.map((row) => row.slot_id)).toEqual(expect.arrayContaining([slotIds[0], slotIds[4], slotIds[5]]));
    const audit = await auditInvariants(admin);
    expect(audit).toMatchObject({ overbookedSlots: [], trailMismatches: [], illegalStates: [] });
  });
});
