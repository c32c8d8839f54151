import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createCoreRuntime, type CoreRuntime } from "../src/app/core-runtime.js";
import { loadConfig } from "../src/config/config.js";
import { silentLogger } from "../src/core/ports/logger.js";
import { createRestHandler, restNotFound } from "../src/transport/rest/rest-handler.js";
import { anonymousCaller } from "../src/core/access/caller.js";
import { asCaller, schedProcedures } from "./support/sched-handler.js";
import { testSlotHorizonDays } from "./support/sched-process.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

// REST bodies are checked field by field against the shapes of docs/api.md; `any` keeps that readable.
type Json = any;

interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

interface RunningApi {
  base: string;
  /** Requests the REST handler left to the caller (the Connect adapter, in the real server). */
  unclaimed: string[];
  runtime: CoreRuntime;
  close(): Promise<void>;
}

let database: TestDatabase;
let configDir: string;
let api: RunningApi;
let shortHoldApi: RunningApi;
let clinicianId: string;
let patientIds: string[];
let nextStart = Date.parse("2031-03-03T08:00:00Z");

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

async function startApi(appointmentTtl: string): Promise<RunningApi> {
  const config = loadConfig({
    env: { POSTGRES_DSN: database.dsn, APPOINTMENT_TTL: appointmentTtl, SLOT_HORIZON_DAYS: testSlotHorizonDays },
    cwd: configDir,
  });
  const runtime = createCoreRuntime({ config, logger: silentLogger, lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), poolSize: 5 });
  const handler = createRestHandler(schedProcedures(runtime.core));
  const unclaimed: string[] = [];
  const server = http.createServer((request, response) => {
    void asCaller(anonymousCaller, () => handler(request, response)).then((claimed) => {
      if (claimed) return;
      unclaimed.push(`${request.method} ${request.url}`);
      restNotFound(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    unclaimed,
    runtime,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await runtime.close();
    },
  };
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, target = api): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await fetch(`${target.base}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text), headers: response.headers };
}

async function newSlots(count: number, capacity = 1): Promise<string[]> {
  const slots = Array.from({ length: count }, () => {
    const start = nextStart;
    nextStart += 30 * 60_000;
    return { clinician_id: clinicianId, start_time: new Date(start).toISOString(), end_time: new Date(start + 30 * 60_000).toISOString(), capacity };
  });
  const created = await call("POST", "/slots", { slots });
  expect(created.status).toBe(201);
  return created.body.slots.map((slot: Json) => slot.id);
}

async function hold(slotId: string, patientId: string, target = api): Promise<Json> {
  const created = await call("POST", "/appointments", { slot_id: slotId, patient_id: patientId }, {}, target);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body;
}

function expectError(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, body: answer.body }).toEqual({ status, body: { error: code, details: expect.any(String) } });
  expect(answer.body.details).not.toBe("");
}

beforeAll(async () => {
  database = await createTestDatabase("rest_api");
  await migrate(database.dsn);
  configDir = mkdtempSync(join(tmpdir(), "sched-rest-api-"));
  api = await startApi("10m");
  shortHoldApi = await startApi("1s");
  const clinician = await call("POST", "/clinicians", { name: "Dr Grace Hopper", specialty: "cardiology" });
  clinicianId = clinician.body.id;
  patientIds = [];
  for (let index = 0; index < 8; index++) {
    patientIds.push((await call("POST", "/patients", { name: `Patient ${index}`, email: `patient${index}@example.org` })).body.id);
  }
});

afterAll(async () => {
  await api?.close();
  await shortHoldApi?.close();
  await database?.drop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

describe("directory", () => {
  it("creates patients (201, email null when absent) and reads them back", async () => {
    const created = await call("POST", "/patients", { name: "Ada Lovelace" });
    expect(created.status).toBe(201);
    expect(created.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(created.body).toEqual({ id: expect.stringMatching(uuid), name: "Ada Lovelace", email: null });
    const withEmail = await call("POST", "/patients", { name: "Mary Somerville", email: "mary@example.org" });
    expect(withEmail.body).toEqual({ id: expect.stringMatching(uuid), name: "Mary Somerville", email: "mary@example.org" });
    expect(await call("GET", `/patients/${created.body.id}`)).toMatchObject({ status: 200, body: created.body });
    expectError(await call("GET", `/patients/${randomUUID()}`), 404, "patient_not_found");
    expectError(await call("GET", "/patients/not-a-uuid"), 400, "invalid_patient_id");
  });

  it("creates clinicians (201, specialty null when absent), lists and reads them", async () => {
    const created = await call("POST", "/clinicians", { name: "Dr Jane Doe", specialty: "dermatology" });
    expect(created).toMatchObject({ status: 201, body: { id: expect.stringMatching(uuid), name: "Dr Jane Doe", specialty: "dermatology" } });
    const plain = await call("POST", "/clinicians", { name: "Dr John Roe" });
    expect(plain.body).toEqual({ id: expect.stringMatching(uuid), name: "Dr John Roe", specialty: null });
    const list = await call("GET", "/clinicians?specialty=dermatology");
    expect(list).toMatchObject({ status: 200, body: { clinicians: [created.body], total: 1 } });
    const all = await call("GET", "/clinicians?limit=1");
    expect(all.body.clinicians).toHaveLength(1);
    expect(all.body.total).toBeGreaterThanOrEqual(3);
    expect(await call("GET", `/clinicians/${plain.body.id}`)).toMatchObject({ status: 200, body: plain.body });
    expectError(await call("GET", `/clinicians/${randomUUID()}`), 404, "clinician_not_found");
  });
});

describe("slots", () => {
  it("creates one slot or many (201) with RFC 3339 times and lowercase statuses", async () => {
    const start = new Date(nextStart);
    nextStart += 60 * 60_000;
    const end = new Date(start.getTime() + 30 * 60_000);
    const one = await call("POST", "/slots", { clinician_id: clinicianId, start_time: start.toISOString(), end_time: end.toISOString() });
    expect(one.status).toBe(201);
    expect(one.body).toEqual({
      slots: [
        {
          id: expect.stringMatching(uuid),
          clinician_id: clinicianId,
          start_time: start.toISOString().replace(".000Z", "Z"),
          end_time: end.toISOString().replace(".000Z", "Z"),
          status: "open",
          capacity: 1,
          available: 1,
          overbooked: 0,
        },
      ],
    });
    const many = await newSlots(3, 2);
    expect(many).toHaveLength(3);
    const blocked = await call("POST", `/slots/${many[0]}/block`);
    expect(blocked).toMatchObject({ status: 200, body: { id: many[0], status: "blocked", capacity: 2 } });
    expect(await call("GET", `/slots/${many[0]}`)).toMatchObject({ status: 200, body: { status: "blocked" } });
  });

  it("searches by clinician and time range, only available ones on request", async () => {
    const from = new Date(nextStart).toISOString();
    const [full, free] = await newSlots(2);
    const to = new Date(nextStart).toISOString();
    await hold(full!, patientIds[0]!);
    const range = `clinician_id=${clinicianId}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const all = await call("GET", `/slots?${range}`);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ slots: [expect.objectContaining({ id: full, available: 0 }), expect.objectContaining({ id: free, available: 1 })], total: 2 });
    const available = await call("GET", `/slots?${range}&available=true`);
    expect(available.body).toEqual({ slots: [expect.objectContaining({ id: free, status: "open" })], total: 1 });
  });
});

describe("appointments", () => {
  it("creates a pending hold: 201 with expires_at about APPOINTMENT_TTL ahead", async () => {
    const [slotId] = await newSlots(1);
    const created = await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[1] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(uuid),
      slot_id: slotId,
      patient_id: patientIds[1],
      status: "pending",
      expires_at: expect.stringMatching(rfc3339),
      created_at: expect.stringMatching(rfc3339),
      updated_at: expect.stringMatching(rfc3339),
      overbooked: false,
    });
    expect(Date.parse(created.body.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
  });

  it("confirms (200, expires_at null, again unchanged) and cancels", async () => {
    const [slotId] = await newSlots(1);
    const created = await hold(slotId!, patientIds[1]!);
    const confirmed = await call("POST", `/appointments/${created.id}/confirm`);
    expect(confirmed).toMatchObject({ status: 200, body: { ...created, status: "confirmed", expires_at: null, updated_at: expect.any(String) } });
    expect(Object.keys(confirmed.body).sort()).toEqual(Object.keys(created).sort());
    expect(await call("POST", `/appointments/${created.id}/confirm`, {})).toMatchObject({ status: 200, body: confirmed.body });
    const cancelled = await call("POST", `/appointments/${created.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { id: created.id, status: "cancelled", expires_at: null } });
    expectError(await call("POST", `/appointments/${created.id}/confirm`), 409, "invalid_status_transition");
  });

  it("reads an appointment with its slot, patient and clinician", async () => {
    const [slotId] = await newSlots(1);
    const created = await hold(slotId!, patientIds[2]!);
    const read = await call("GET", `/appointments/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      id: created.id,
      status: "pending",
      created_at: created.created_at,
      updated_at: created.updated_at,
      expires_at: created.expires_at,
      overbooked: false,
      slot: {
        id: slotId,
        clinician_id: clinicianId,
        start_time: expect.stringMatching(rfc3339),
        end_time: expect.stringMatching(rfc3339),
        status: "open",
        capacity: 1,
        available: 0,
        overbooked: 0,
      },
      patient: { id: patientIds[2], name: "Patient 2", email: "patient2@example.org" },
      clinician: { id: clinicianId, name: "Dr Grace Hopper", specialty: "cardiology" },
    });
  });

  it("lists a patient's appointments newest first with total, limit and offset, and a slot's", async () => {
    const slots = await newSlots(3);
    const holds = [];
    for (const slotId of slots) holds.push(await hold(slotId, patientIds[3]!));
    const page = await call("GET", `/appointments?patient_id=${patientIds[3]}&limit=2`);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(3);
    expect(page.body.appointments.map((item: Json) => item.id)).toEqual([holds[2].id, holds[1].id]);
    expect(Object.keys(page.body.appointments[0]).sort()).toEqual(
      ["clinician", "created_at", "expires_at", "id", "overbooked", "patient", "slot", "status", "updated_at"],
    );
    const rest = await call("GET", `/appointments?patientId=${patientIds[3]}&limit=2&offset=2`);
    expect(rest.body).toEqual({ appointments: [expect.objectContaining({ id: holds[0].id })], total: 3 });
    const bySlot = await call("GET", `/appointments?slot_id=${slots[1]}`);
    expect(bySlot.body).toEqual({ appointments: [expect.objectContaining({ id: holds[1].id, status: "pending" })], total: 1 });
  });

  it("lists the audit trail oldest first, with the API's event type names and each change's actor", async () => {
    const [slotId] = await newSlots(1);
    const created = await hold(slotId!, patientIds[4]!);
    await call("POST", `/appointments/${created.id}/confirm`);
    const events = await call("GET", `/appointments/${created.id}/events`);
    expect(events.status).toBe(200);
    // Without authentication every change is the anonymous caller's.
    const actor = { subject: "anonymous", role: "anonymous" };
    expect(events.body).toEqual({
      events: [
        { id: expect.any(Number), appointment_id: created.id, event_type: "APPOINTMENT_CREATED", payload: expect.objectContaining({ to: "pending" }), created_at: expect.stringMatching(rfc3339), actor, position: expect.stringMatching(/^\d+-\d+$/) },
        { id: expect.any(Number), appointment_id: created.id, event_type: "APPOINTMENT_CONFIRMED", payload: expect.any(Object), created_at: expect.stringMatching(rfc3339), actor, position: expect.stringMatching(/^\d+-\d+$/) },
      ],
    });
    expect(events.body.events[0].id).toBeLessThan(events.body.events[1].id);
    expectError(await call("GET", `/appointments/${randomUUID()}/events`), 404, "appointment_not_found");
  });

  it("replays a create retried with the same Idempotency-Key and refuses the key with another request", async () => {
    const [slotId, otherSlot] = await newSlots(2);
    const key = { "Idempotency-Key": randomUUID() };
    const first = await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[5] }, key);
    const retry = await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[5] }, key);
    expect(first.status).toBe(201);
    expect({ status: retry.status, body: retry.body }).toEqual({ status: first.status, body: first.body });
    expect((await call("GET", `/appointments?slot_id=${slotId}`)).body.total).toBe(1);
    expectError(await call("POST", "/appointments", { slot_id: otherSlot, patient_id: patientIds[5] }, key), 422, "idempotency_key_reused");
  });

  it("answers 409 for a full slot and for a hold confirmed after it expired", async () => {
    const [full, brief] = await newSlots(2);
    await hold(full!, patientIds[6]!);
    expectError(await call("POST", "/appointments", { slot_id: full, patient_id: patientIds[7] }), 409, "slot_already_booked");
    const lapsing = await hold(brief!, patientIds[7]!, shortHoldApi);
    await sleep(1_200);
    expectError(await call("POST", `/appointments/${lapsing.id}/confirm`), 409, "appointment_expired");
  });
});

describe("errors", () => {
  it("answers 400 with the error codes for bad ids, missing filters, bad JSON and bad query parameters", async () => {
    const patient = patientIds[0];
    expectError(await call("POST", "/appointments", { slot_id: "nope", patient_id: patient }), 400, "invalid_slot_id");
    expectError(await call("GET", "/appointments"), 400, "missing_filter");
    expectError(await call("POST", "/appointments", '{"slot_id": "x",'), 400, "invalid_request_body");
    expectError(await call("POST", "/appointments", { slot_id: randomUUID(), patient_id: patient, color: "red" }), 400, "invalid_request_body");
    expectError(await call("POST", "/appointments", { slot_id: 42, patient_id: patient }), 400, "invalid_request_body");
    expectError(await call("POST", "/appointments", "[]"), 400, "invalid_request_body");
    expectError(await call("GET", `/appointments?patient_id=${patient}&limit=ten`), 400, "invalid_argument");
    expectError(await call("GET", `/appointments?patient=${patient}`), 400, "invalid_argument");
    expectError(await call("GET", "/slots?available=maybe"), 400, "invalid_argument");
    const notJson = await call("POST", "/appointments", "slot_id=x", { "content-type": "application/x-www-form-urlencoded" });
    expectError(notJson, 400, "invalid_request_body");
  });

  it("answers 404 for unknown ids and unknown paths, and leaves Connect paths to the Connect adapter", async () => {
    expectError(await call("GET", `/appointments/${randomUUID()}`), 404, "appointment_not_found");
    expectError(await call("POST", `/appointments/${randomUUID()}/cancel`), 404, "appointment_not_found");
    expectError(await call("POST", "/appointments", { slot_id: randomUUID(), patient_id: patientIds[0] }), 404, "slot_not_found");
    expectError(await call("GET", "/nowhere"), 404, "not_found");
    expectError(await call("GET", "/appointments/a/b/c"), 404, "not_found");
    await call("POST", "/sched.v1.AppointmentService/CreateAppointment", {});
    expect(api.unclaimed).toEqual(["GET /nowhere", "GET /appointments/a/b/c", "POST /sched.v1.AppointmentService/CreateAppointment"]);
  });

  it("answers 405 with Allow for a REST path and the wrong method", async () => {
    const wrong = await call("DELETE", `/appointments/${randomUUID()}`);
    expectError(wrong, 405, "method_not_allowed");
    expect(wrong.headers.get("allow")).toBe("GET");
    const put = await call("PUT", "/appointments", {});
    expectError(put, 405, "method_not_allowed");
    expect(put.headers.get("allow")).toBe("GET, POST");
  });

  it("answers 413 for a body over the cap, declared or streamed, without reading it all", async () => {
    const oversize = JSON.stringify({ slot_id: "x".repeat(2 * 1024 * 1024), patient_id: patientIds[0] });
    expectError(await call("POST", "/appointments", oversize), 413, "request_too_large");
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.length;
        if (sent > 64 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${api.base}/appointments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 413,
      body: { error: "request_too_large", details: "the request body is larger than 1048576 bytes" },
    });
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});
