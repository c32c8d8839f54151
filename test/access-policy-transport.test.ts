import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService } from "../gen/sched/v1/appointment_service_pb.js";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createCoreRuntime, type CoreRuntime } from "../src/app/core-runtime.js";
import { loadConfig } from "../src/config/config.js";
import type { Caller, Role } from "../src/core/access/caller.js";
import { silentLogger } from "../src/core/ports/logger.js";
import { schedHandler } from "./support/sched-handler.js";
import { testSlotHorizonDays } from "./support/sched-process.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

// The caller that authentication leaves in the handler context reaches the
// core on every protocol: its refusals are 403 permission_denied over REST and
// PERMISSION_DENIED over Connect, and its changes carry it as their actor.
// Authentication itself is not under test here: a header names the caller.

let database: TestDatabase;
let configDir: string;
let runtime: CoreRuntime;
let server: http.Server;
let base: string;
let patientIds: string[];
let slotIds: string[];

const callerHeader = "x-test-caller";

function callerFromHeader(headers: Headers): Promise<Caller> {
  const [role, subject] = (headers.get(callerHeader) ?? "staff:front-desk-7").split(":") as [Role, string];
  return Promise.resolve({ role, subject });
}

// REST bodies are read field by field; `any` keeps that readable.
type Json = any;

async function rest(method: string, path: string, caller: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { [callerHeader]: caller },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  database = await createTestDatabase("access_policy_transport");
  await migrate(database.dsn);
  configDir = mkdtempSync(join(tmpdir(), "sched-access-transport-"));
  const config = loadConfig({ env: { POSTGRES_DSN: database.dsn, SLOT_HORIZON_DAYS: testSlotHorizonDays }, cwd: configDir });
  runtime = createCoreRuntime({ config, logger: silentLogger, lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), poolSize: 3 });
  const { rows: clinicians } = await runtime.pool.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Edge') RETURNING id`);
  const { rows: patients } = await runtime.pool.query<{ id: string }>(
    `INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, 2) n RETURNING id`,
  );
  const { rows: slots } = await runtime.pool.query<{ id: string }>(
    `INSERT INTO appointment_slots (clinician_id, start_time, end_time)
     SELECT $1, start, start + interval '30 minutes'
       FROM unnest(ARRAY['2031-02-03T09:00:00Z', '2031-02-03T10:00:00Z']::timestamptz[]) start
     RETURNING id`,
    [clinicians[0]!.id],
  );
  patientIds = patients.map((row) => row.id);
  slotIds = slots.map((row) => row.id);
  server = http.createServer(schedHandler(runtime.core, callerFromHeader));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await runtime?.close();
  await database?.drop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe("the caller in the handler context", () => {
  it("over REST: a patient books for itself, is refused another's booking and a slot's list with 403, and is the actor of its events", async () => {
    const me = `patient:${patientIds[0]}`;
    const booked = await rest("POST", "/appointments", me, { slot_id: slotIds[0], patient_id: patientIds[0] });
    expect(booked.status).toBe(201);
    expect(await rest("POST", "/appointments", me, { slot_id: slotIds[1], patient_id: patientIds[1] })).toEqual({
      status: 403,
      body: { error: "permission_denied", details: "a patient may act only for itself" },
    });
    expect((await rest("GET", `/appointments?slot_id=${slotIds[0]}`, me)).status).toBe(403);
    expect((await rest("GET", `/appointments/${booked.body.id}`, `patient:${patientIds[1]}`)).status).toBe(403);

    expect((await rest("POST", `/appointments/${booked.body.id}/confirm`, "staff:front-desk-7")).status).toBe(200);
    const events = await rest("GET", `/appointments/${booked.body.id}/events`, me);
    expect(events.body.events.map((event: Json) => event.actor)).toEqual([
      { subject: patientIds[0], role: "patient" },
      { subject: "front-desk-7", role: "staff" },
    ]);
  });

  it("over Connect: the same refusal is PERMISSION_DENIED", async () => {
    const transport = createConnectTransport({ baseUrl: base, httpVersion: "1.1" });
    const client = createClient(AppointmentService, transport);
    const refused = await client
      .listAppointments({ slotId: slotIds[0] }, { headers: { [callerHeader]: `patient:${patientIds[0]}` } })
      .then(
        () => undefined,
        (error: unknown) => ConnectError.from(error),
      );
    expect(refused?.code).toBe(Code.PermissionDenied);
    const allowed = await client.listAppointments({ slotId: slotIds[0] }, { headers: { [callerHeader]: "service:billing-sync" } });
    expect(allowed.total).toBe(1);
  });
});
