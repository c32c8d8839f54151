import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall, timeValue, utcTimePattern, uuidPattern, type Json, type RestAnswer } from "./support/e2e-rest.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

/*
 * The REST contract test: every REST path of docs/api.md and every row of
 * its error table, against real `sched serve` processes, with
 * plain fetch. Each answer is checked for its status code and for the exact
 * key set and types of its JSON body: snake_case names, lowercase status
 * words, RFC 3339 UTC times ending in Z, null for an absent time or optional
 * field. Every response must carry X-Request-ID.
 *
 * Four processes over one database: the main one (APPOINTMENT_TTL 10m), one
 * with APPOINTMENT_TTL=1s for appointment_expired, one whose Redis is a
 * closed port and one whose PostgreSQL is a closed port, for the readiness
 * rows.
 */

let database: TestDatabase;
let admin: pg.Pool;
let server: ServerProcess;
let shortHolds: ServerProcess;
let redisDown: ServerProcess;
let postgresDown: ServerProcess;
const servers: ServerProcess[] = [];

let clinicianId: string;
const patientIds: string[] = [];
let nextStart = Date.parse("2034-01-02T07:00:00Z");

const aUuid = expect.stringMatching(uuidPattern);
const aTime = expect.stringMatching(utcTimePattern);
const aNumber = expect.any(Number);
const aString = expect.any(String);

function slotShape(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: aUuid, clinician_id: aUuid, start_time: aTime, end_time: aTime, status: "open", capacity: aNumber, available: aNumber, overbooked: 0, ...overrides };
}

function appointmentShape(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: aUuid,
    slot_id: aUuid,
    patient_id: aUuid,
    status: "pending",
    expires_at: aTime,
    created_at: aTime,
    updated_at: aTime,
    overbooked: false,
    ...overrides,
  };
}

function detailsShape(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: aUuid,
    status: "pending",
    created_at: aTime,
    updated_at: aTime,
    expires_at: aTime,
    overbooked: false,
    slot: slotShape(),
    patient: { id: aUuid, name: aString, email: expect.toBeOneOf([aString, null]) },
    clinician: { id: aUuid, name: aString, specialty: expect.toBeOneOf([aString, null]) },
    ...overrides,
  };
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  target: ServerProcess = server,
): Promise<RestAnswer> {
  const answer = await restCall(target.url, method, path, body, headers);
  expect(answer.headers.get("x-request-id"), `X-Request-ID of ${method} ${path}`).toMatch(/^[\x21-\x7e]{1,128}$/);
  expect(answer.headers.get("content-type"), `content type of ${method} ${path}`).toMatch(/^application\/json/);
  // 500 internal_error is the answer to a fault of the server itself; no
  // request a client can make provokes one, so its row is checked the other
  // way round: every call of every test fails on it.
  expect(answer.body?.error, `error code of ${method} ${path}`).not.toBe("internal_error");
  expect(answer.status, `status of ${method} ${path}`).not.toBe(500);
  return answer;
}

function expectError(answer: RestAnswer, status: number, code: string): void {
  expect({ status: answer.status, body: answer.body }).toEqual({ status, body: { error: code, details: aString } });
  expect(answer.body.details.trim()).not.toBe("");
}

function slotTimes(minutes = 30): { start_time: string; end_time: string } {
  const start = nextStart;
  nextStart += 60 * 60_000;
  return { start_time: new Date(start).toISOString(), end_time: new Date(start + minutes * 60_000).toISOString() };
}

async function newSlots(count: number, capacity = 1, clinician = clinicianId): Promise<string[]> {
  const created = await call("POST", "/slots", {
    slots: Array.from({ length: count }, () => ({ clinician_id: clinician, ...slotTimes(), capacity })),
  });
  expect(created.status, created.text).toBe(201);
  return created.body.slots.map((slot: Json) => slot.id);
}

async function hold(slotId: string, patientId: string, target = server): Promise<Json> {
  const created = await call("POST", "/appointments", { slot_id: slotId, patient_id: patientId }, {}, target);
  expect(created.status, created.text).toBe(201);
  return created.body;
}

async function freshPatients(count: number, tag: string): Promise<string[]> {
  const { rows } = await admin.query<{ id: string }>(
    `INSERT INTO patients (name, email) SELECT 'Patient ' || n, $2 || '-' || n || '@example.org' FROM generate_series(1, $1::int) n RETURNING id`,
    [count, tag],
  );
  return rows.map((row) => row.id);
}

async function activeAppointments(slotId: string): Promise<string[]> {
  const { rows } = await admin.query<{ id: string }>(
    `SELECT id FROM appointments
      WHERE slot_id = $1 AND (status = 'confirmed' OR (status = 'pending' AND expires_at > now()))`,
    [slotId],
  );
  return rows.map((row) => row.id);
}

function dsnWithPort(dsn: string, port: number): string {
  const url = new URL(dsn);
  url.port = String(port);
  return url.toString();
}

beforeAll(async () => {
  database = await createTestDatabase("e2e_rest_contract");
  await migrate(database.dsn);
  admin = new pg.Pool({ connectionString: database.dsn, max: 4 });
  const started = await Promise.all([
    startServerProcess({ POSTGRES_DSN: database.dsn }),
    startServerProcess({ POSTGRES_DSN: database.dsn, APPOINTMENT_TTL: "1s" }),
    startServerProcess({ POSTGRES_DSN: database.dsn, REDIS_URL: "127.0.0.1:1" }),
    startServerProcess({ POSTGRES_DSN: dsnWithPort(database.dsn, 1) }),
  ]);
  servers.push(...started);
  [server, shortHolds, redisDown, postgresDown] = started as [ServerProcess, ServerProcess, ServerProcess, ServerProcess];

  const clinician = await call("POST", "/clinicians", { name: "Dr Contract", specialty: "cardiology" });
  expect(clinician.status).toBe(201);
  clinicianId = clinician.body.id;
  // 100 patients for the burst, made in one statement; a few more over REST below.
  const { rows } = await admin.query<{ id: string }>(
    `INSERT INTO patients (name, email) SELECT 'Patient ' || n, 'contract' || n || '@example.org' FROM generate_series(1, 110) n RETURNING id`,
  );
  patientIds.push(...rows.map((row) => row.id));
});

afterAll(async () => {
  for (const started of servers) process.kill(started.pid, "SIGKILL");
  await Promise.all(servers.map((started) => started.exited));
  await admin?.end();
  await database?.drop();
});

describe("the REST paths of docs/api.md, one by one", () => {
  it("GET /health/live: 200 {status: ok, …} and nothing else checked", async () => {
    const live = await call("GET", "/health/live");
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: "ok", uptime_seconds: aNumber });
    expect(Number.isInteger(live.body.uptime_seconds)).toBe(true);
    // It checks nothing else: a server without its database is still live.
    expect((await call("GET", "/health/live", undefined, {}, postgresDown)).status).toBe(200);
  });

  it("GET /health/ready: 200 ok; 200 degraded with only Redis down (bookings still work); 503 with PostgreSQL down; each dependency listed", async () => {
    const ready = await call("GET", "/health/ready");
    expect({ status: ready.status, body: ready.body }).toEqual({ status: 200, body: { status: "ok", checks: { postgres: "ok", redis: "ok" } } });

    const degraded = await call("GET", "/health/ready", undefined, {}, redisDown);
    expect({ status: degraded.status, body: degraded.body }).toEqual({
      status: 200,
      body: { status: "degraded", checks: { postgres: "ok", redis: "unavailable" } },
    });
    const [slotId] = await newSlots(1);
    const booked = await hold(slotId!, patientIds[105]!, redisDown);
    expect(booked).toEqual(appointmentShape({ slot_id: slotId }));

    const down = await call("GET", "/health/ready", undefined, {}, postgresDown);
    expect({ status: down.status, body: down.body }).toEqual({
      status: 503,
      body: { status: "unavailable", checks: { postgres: "unavailable", redis: "ok" } },
    });
  });

  it("POST /clinicians: 201 {id, name, specialty}, specialty null when absent", async () => {
    const withSpecialty = await call("POST", "/clinicians", { name: "Dr Jane Contract", specialty: "dermatology" });
    expect({ status: withSpecialty.status, body: withSpecialty.body }).toEqual({
      status: 201,
      body: { id: aUuid, name: "Dr Jane Contract", specialty: "dermatology" },
    });
    const plain = await call("POST", "/clinicians", { name: "Dr John Contract" });
    expect({ status: plain.status, body: plain.body }).toEqual({ status: 201, body: { id: aUuid, name: "Dr John Contract", specialty: null } });
  });

  it("GET /clinicians: 200 {clinicians: [{id, name, specialty}], total}", async () => {
    const listed = await call("GET", "/clinicians");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ clinicians: expect.any(Array), total: aNumber });
    expect(listed.body.clinicians.length).toBeGreaterThan(0);
    expect(listed.body.total).toBeGreaterThanOrEqual(listed.body.clinicians.length);
    for (const clinician of listed.body.clinicians) {
      expect(clinician).toEqual({ id: aUuid, name: aString, specialty: expect.toBeOneOf([aString, null]) });
    }
    expect(listed.body.clinicians).toContainEqual({ id: clinicianId, name: "Dr Contract", specialty: "cardiology" });
    const page = await call("GET", "/clinicians?limit=1&offset=0");
    expect(page.body).toEqual({ clinicians: [expect.any(Object)], total: listed.body.total });
  });

  it("GET /clinicians/{id}: 200 {id, name, specialty}", async () => {
    const read = await call("GET", `/clinicians/${clinicianId}`);
    expect({ status: read.status, body: read.body }).toEqual({ status: 200, body: { id: clinicianId, name: "Dr Contract", specialty: "cardiology" } });
  });

  it("POST /patients: 201 {id, name, email}, email null when absent", async () => {
    const withEmail = await call("POST", "/patients", { name: "Ada Contract", email: "ada.contract@example.org" });
    expect({ status: withEmail.status, body: withEmail.body }).toEqual({
      status: 201,
      body: { id: aUuid, name: "Ada Contract", email: "ada.contract@example.org" },
    });
    const plain = await call("POST", "/patients", { name: "Grace Contract" });
    expect({ status: plain.status, body: plain.body }).toEqual({ status: 201, body: { id: aUuid, name: "Grace Contract", email: null } });
  });

  it("GET /patients/{id}: 200 {id, name, email}", async () => {
    const created = await call("POST", "/patients", { name: "Mary Contract" });
    const read = await call("GET", `/patients/${created.body.id}`);
    expect({ status: read.status, body: read.body }).toEqual({ status: 200, body: { id: created.body.id, name: "Mary Contract", email: null } });
  });

  it("POST /slots with one slot: 201 {slots: [slot]} with RFC 3339 UTC times and status open", async () => {
    const times = slotTimes();
    const created = await call("POST", "/slots", { clinician_id: clinicianId, ...times });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      slots: [
        slotShape({
          clinician_id: clinicianId,
          start_time: times.start_time.replace(".000Z", "Z"),
          end_time: times.end_time.replace(".000Z", "Z"),
          capacity: 1,
          available: 1,
        }),
      ],
    });
  });

  it("POST /slots with many: 201 {slots: […]} in the order given, capacity as given", async () => {
    const batch = [slotTimes(), slotTimes(), slotTimes()].map((times, index) => ({ clinician_id: clinicianId, ...times, capacity: index + 1 }));
    const created = await call("POST", "/slots", { slots: batch });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      slots: batch.map((slot) =>
        slotShape({ clinician_id: clinicianId, capacity: slot.capacity, available: slot.capacity, start_time: slot.start_time.replace(".000Z", "Z") }),
      ),
    });
  });

  it("GET /slots?clinician_id&from&to&available=true: 200 {slots, total}, only slots with room when asked", async () => {
    const clinician = await call("POST", "/clinicians", { name: "Dr Search Contract" });
    const from = new Date(nextStart).toISOString();
    const [full, free, roomy] = [
      ...(await newSlots(2, 1, clinician.body.id)),
      ...(await newSlots(1, 3, clinician.body.id)),
    ];
    const to = new Date(nextStart).toISOString();
    await hold(full!, patientIds[100]!);
    await hold(roomy!, patientIds[100]!);
    const range = `clinician_id=${clinician.body.id}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

    const all = await call("GET", `/slots?${range}`);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      slots: [
        slotShape({ id: full, clinician_id: clinician.body.id, capacity: 1, available: 0 }),
        slotShape({ id: free, clinician_id: clinician.body.id, capacity: 1, available: 1 }),
        slotShape({ id: roomy, clinician_id: clinician.body.id, capacity: 3, available: 2 }),
      ],
      total: 3,
    });
    const available = await call("GET", `/slots?${range}&available=true`);
    expect(available.status).toBe(200);
    expect(available.body).toEqual({ slots: [all.body.slots[1], all.body.slots[2]], total: 2 });
  });

  it("POST /appointments: 201 {id, slot_id, patient_id, status: pending, expires_at, …}", async () => {
    const [slotId] = await newSlots(1);
    const before = Date.now();
    const created = await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[0] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual(appointmentShape({ slot_id: slotId, patient_id: patientIds[0] }));
    expect(timeValue(created.body.expires_at) - before).toBeGreaterThan(9 * 60_000);
    expect(timeValue(created.body.expires_at) - before).toBeLessThan(11 * 60_000);
  });

  it("POST /appointments/{id}/confirm: 200, same shape, confirmed, expires_at null; again: 200 unchanged", async () => {
    const [slotId] = await newSlots(1);
    const created = await hold(slotId!, patientIds[1]!);
    const confirmed = await call("POST", `/appointments/${created.id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toEqual({ ...created, status: "confirmed", expires_at: null, updated_at: aTime });
    const again = await call("POST", `/appointments/${created.id}/confirm`);
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: confirmed.body });
  });

  it("POST /appointments/{id}/cancel: 200, same shape, cancelled, expires_at null (from pending and from confirmed)", async () => {
    const [first, second] = await newSlots(2);
    const pending = await hold(first!, patientIds[2]!);
    const cancelled = await call("POST", `/appointments/${pending.id}/cancel`);
    expect({ status: cancelled.status, body: cancelled.body }).toEqual({
      status: 200,
      body: { ...pending, status: "cancelled", expires_at: null, updated_at: aTime },
    });
    const booked = await hold(second!, patientIds[2]!);
    await call("POST", `/appointments/${booked.id}/confirm`);
    const cancelledBooking = await call("POST", `/appointments/${booked.id}/cancel`);
    expect(cancelledBooking.status).toBe(200);
    expect(cancelledBooking.body).toEqual(appointmentShape({ id: booked.id, status: "cancelled", expires_at: null }));
    // Cancelling frees the slot at once.
    expect(await activeAppointments(second!)).toEqual([]);
  });

  it("GET /appointments/{id}: 200 with its slot, patient and clinician", async () => {
    const [slotId] = await newSlots(1);
    const patient = await call("POST", "/patients", { name: "Hydrated Contract" });
    const created = await hold(slotId!, patient.body.id);
    const read = await call("GET", `/appointments/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(
      detailsShape({
        id: created.id,
        created_at: created.created_at,
        updated_at: created.updated_at,
        expires_at: created.expires_at,
        slot: slotShape({ id: slotId, clinician_id: clinicianId, capacity: 1, available: 0 }),
        patient: { id: patient.body.id, name: "Hydrated Contract", email: null },
        clinician: { id: clinicianId, name: "Dr Contract", specialty: "cardiology" },
      }),
    );
  });

  it("GET /appointments?patient_id&limit&offset: 200 {appointments: [hydrated], total}, newest first", async () => {
    const slots = await newSlots(3);
    const holds: Json[] = [];
    for (const slotId of slots) holds.push(await hold(slotId, patientIds[3]!));
    const firstPage = await call("GET", `/appointments?patient_id=${patientIds[3]}&limit=2&offset=0`);
    expect(firstPage.status).toBe(200);
    expect(firstPage.body).toEqual({
      appointments: [detailsShape({ id: holds[2].id }), detailsShape({ id: holds[1].id })],
      total: 3,
    });
    const secondPage = await call("GET", `/appointments?patient_id=${patientIds[3]}&limit=2&offset=2`);
    expect(secondPage.body).toEqual({ appointments: [detailsShape({ id: holds[0].id })], total: 3 });
    // limit defaults to 20 and is capped at 100: both give the three.
    const defaults = await call("GET", `/appointments?patient_id=${patientIds[3]}`);
    expect(defaults.body.appointments.map((item: Json) => item.id)).toEqual([holds[2].id, holds[1].id, holds[0].id]);
    const capped = await call("GET", `/appointments?patient_id=${patientIds[3]}&limit=1000`);
    expect({ status: capped.status, total: capped.body.total }).toEqual({ status: 200, total: 3 });
  });

  it("GET /appointments?slot_id: 200, the same shape", async () => {
    const [slotId] = await newSlots(1, 2);
    const one = await hold(slotId!, patientIds[4]!);
    const two = await hold(slotId!, patientIds[5]!);
    const listed = await call("GET", `/appointments?slot_id=${slotId}`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      appointments: expect.arrayContaining([
        detailsShape({ id: one.id, slot: slotShape({ id: slotId, capacity: 2, available: 0 }) }),
        detailsShape({ id: two.id, slot: slotShape({ id: slotId, capacity: 2, available: 0 }) }),
      ]),
      total: 2,
    });
    expect(listed.body.appointments).toHaveLength(2);
  });

  it("GET /appointments/{id}/events: 200 {events: […]}, oldest first, the API's event type names, each with its actor", async () => {
    const [slotId] = await newSlots(1);
    const created = await hold(slotId!, patientIds[6]!);
    await call("POST", `/appointments/${created.id}/confirm`);
    await call("POST", `/appointments/${created.id}/cancel`);
    const events = await call("GET", `/appointments/${created.id}/events`);
    expect(events.status).toBe(200);
    const event = (type: string): Record<string, unknown> => ({
      id: aNumber,
      appointment_id: created.id,
      event_type: type,
      payload: expect.any(Object),
      created_at: aTime,
      actor: { subject: "anonymous", role: "anonymous" },
      position: expect.stringMatching(/^\d+-\d+$/),
    });
    expect(events.body).toEqual({
      events: [event("APPOINTMENT_CREATED"), event("APPOINTMENT_CONFIRMED"), event("APPOINTMENT_CANCELLED")],
    });
    const ids = events.body.events.map((item: Json) => item.id);
    expect(ids.every(Number.isInteger)).toBe(true);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });
});

describe("the schedule paths of docs/api.md", () => {
  // A Monday a week or two ahead: inside the 8-week horizon, in the future in every time zone.
  const monday = (() => {
    const date = new Date();
    date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7) + 7);
    return date.toISOString().slice(0, 10);
  })();
  const rule = { weekdays: ["MONDAY"], start: "09:00", end: "10:00", slot_minutes: 30, buffer_minutes: 0, capacity: 2 };
  let weeklyClinicianId: string;
  let scheduleId: string;

  function scheduleShape(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: aUuid,
      clinician_id: weeklyClinicianId,
      time_zone: "Europe/London",
      effective_from: monday,
      effective_until: null,
      rules: [rule],
      exceptions: [],
      generated_until: aTime,
      version: 1,
      created_at: aTime,
      updated_at: aTime,
      ...overrides,
    };
  }

  beforeAll(async () => {
    weeklyClinicianId = (await call("POST", "/clinicians", { name: "Dr Weekly Contract", specialty: "contract-weekly" })).body.id;
  });

  it("POST /schedules: 201 the Schedule as stored, effective_until null when absent; its slots made at once", async () => {
    const created = await call("POST", "/schedules", { clinician_id: weeklyClinicianId, time_zone: "Europe/London", effective_from: monday, rules: [rule] });
    expect({ status: created.status, body: created.body }).toEqual({ status: 201, body: scheduleShape() });
    scheduleId = created.body.id;
    const slots = await call("GET", `/slots?clinician_id=${weeklyClinicianId}&limit=100`);
    expect(slots.body.total).toBeGreaterThanOrEqual(2 * 7);
  });

  it("GET /schedules/{id} and GET /schedules?clinician_id: 200, the same Schedule", async () => {
    const read = await call("GET", `/schedules/${scheduleId}`);
    expect({ status: read.status, body: read.body }).toEqual({ status: 200, body: scheduleShape({ id: scheduleId }) });
    const listed = await call("GET", `/schedules?clinician_id=${weeklyClinicianId}`);
    expect({ status: listed.status, body: listed.body }).toEqual({ status: 200, body: { schedules: [read.body], total: 1 } });
  });

  it("GET /availability?specialty&limit=1: 200 {slots: [slot]}, the first open slot with room", async () => {
    const found = await call("GET", "/availability?specialty=contract-weekly&limit=1");
    expect({ status: found.status, body: found.body }).toEqual({
      status: 200,
      body: { slots: [slotShape({ clinician_id: weeklyClinicianId, capacity: 2, available: 2 })] },
    });
  });

  it("PATCH /schedules/{id} and POST /schedules/{schedule_id}/exceptions: the Schedule, a version further; GET …/conflicts", async () => {
    const changed = await call("PATCH", `/schedules/${scheduleId}`, { effective_until: monday });
    expect({ status: changed.status, body: changed.body }).toEqual({ status: 200, body: scheduleShape({ id: scheduleId, effective_until: monday, version: 2 }) });
    const closed = await call("POST", `/schedules/${scheduleId}/exceptions`, { date: monday, closed: true });
    expect({ status: closed.status, body: closed.body }).toEqual({
      status: 201,
      body: scheduleShape({ id: scheduleId, effective_until: monday, version: 3, exceptions: [{ date: monday, closed: true, hours: [] }] }),
    });
    expect((await call("GET", `/slots?clinician_id=${weeklyClinicianId}`)).body.total).toBe(0);
    const conflicts = await call("GET", `/schedules/${scheduleId}/conflicts`);
    expect({ status: conflicts.status, body: conflicts.body }).toEqual({ status: 200, body: { slots: [], total: 0 } });
  });

  it("400 invalid_schedule_id, invalid_schedule, invalid_time_zone; 404 schedule_not_found", async () => {
    expectError(await call("GET", "/schedules/not-a-schedule"), 400, "invalid_schedule_id");
    const body = { clinician_id: weeklyClinicianId, time_zone: "Europe/London", effective_from: monday, rules: [rule] };
    expectError(await call("POST", "/schedules", { ...body, rules: [] }), 400, "invalid_schedule");
    expectError(await call("POST", "/schedules", { ...body, time_zone: "Europe/Nowhere" }), 400, "invalid_time_zone");
    expectError(await call("GET", `/schedules/${randomUUID()}`), 404, "schedule_not_found");
    expectError(await call("POST", `/schedules/${randomUUID()}/exceptions`, { date: monday, closed: true }), 404, "schedule_not_found");
  });
});

describe("the waiting-list paths of docs/api.md", () => {
  function entryShape(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: aUuid,
      patient_id: aUuid,
      slot_id: aUuid,
      clinician_id: null,
      from: null,
      to: null,
      priority: 0,
      status: "waiting",
      appointment_id: null,
      offered_at: null,
      created_at: aTime,
      updated_at: aTime,
      ...overrides,
    };
  }

  it("POST /waitlist: 201 the entry, waiting for a full slot; offered when a cancel frees the place; GET /waitlist; DELETE /waitlist/{id}", async () => {
    const [slotId] = await newSlots(1);
    const holder = await hold(slotId!, patientIds[101]!);
    const [waiter, leaver] = [patientIds[102]!, patientIds[103]!];
    const joined = await call("POST", "/waitlist", { patient_id: waiter, slot_id: slotId });
    expect({ status: joined.status, body: joined.body }).toEqual({ status: 201, body: entryShape({ patient_id: waiter, slot_id: slotId }) });
    const other = await call("POST", "/waitlist", { patient_id: leaver, slot_id: slotId, priority: 0 });
    expect(other.status, other.text).toBe(201);

    const listed = await call("GET", `/waitlist?slot_id=${slotId}`);
    expect({ status: listed.status, body: listed.body }).toEqual({ status: 200, body: { entries: [joined.body, other.body], total: 2 } });
    const left = await call("DELETE", `/waitlist/${other.body.id}`);
    expect({ status: left.status, body: left.body }).toEqual({ status: 200, body: { ...other.body, status: "left", updated_at: aTime } });

    await call("POST", `/appointments/${holder.id}/cancel`, {});
    const [offered] = (await call("GET", `/waitlist?patient_id=${waiter}`)).body.entries;
    expect(offered).toEqual(entryShape({ id: joined.body.id, patient_id: waiter, slot_id: slotId, status: "offered", appointment_id: aUuid, offered_at: aTime }));
    const offer = await call("GET", `/appointments/${offered.appointment_id}/events`);
    expect(offer.body.events.map((event: Json) => [event.event_type, event.actor.role])).toEqual([
      ["APPOINTMENT_CREATED", "system"],
      ["WAITLIST_OFFERED", "system"],
    ]);
  });

  it("POST /waitlist for a clinician's window: from and to as given, slot_id null", async () => {
    // Whole seconds, which REST renders without a fraction.
    const from = new Date(nextStart + 365 * 86_400_000).toISOString().replace(".000Z", "Z");
    const to = new Date(nextStart + 366 * 86_400_000).toISOString().replace(".000Z", "Z");
    const joined = await call("POST", "/waitlist", { patient_id: patientIds[104], clinician_id: clinicianId, from, to });
    expect({ status: joined.status, body: joined.body }).toEqual({
      status: 201,
      body: entryShape({ patient_id: patientIds[104], slot_id: null, clinician_id: clinicianId, from, to }),
    });
  });

  it("400 invalid_waitlist_entry_id; 404 waitlist_entry_not_found; 409 waitlist_entry_exists", async () => {
    expectError(await call("DELETE", "/waitlist/not-an-entry"), 400, "invalid_waitlist_entry_id");
    expectError(await call("DELETE", `/waitlist/${randomUUID()}`), 404, "waitlist_entry_not_found");
    const [slotId] = await newSlots(1);
    await hold(slotId!, patientIds[106]!);
    expect((await call("POST", "/waitlist", { patient_id: patientIds[107], slot_id: slotId })).status).toBe(201);
    expectError(await call("POST", "/waitlist", { patient_id: patientIds[107], slot_id: slotId }), 409, "waitlist_entry_exists");
    expectError(await call("GET", "/waitlist"), 400, "missing_filter");
  });
});

describe("the error table of docs/api.md, row by row: each body exactly {error, details}", () => {
  it("400 invalid_request_body: malformed JSON, a body that is not an object, a field of the wrong type, an unknown field", async () => {
    const [slotId] = await newSlots(1);
    expectError(await call("POST", "/appointments", '{"slot_id": "x",'), 400, "invalid_request_body");
    expectError(await call("POST", "/appointments", "[]"), 400, "invalid_request_body");
    expectError(await call("POST", "/appointments", { slot_id: 42, patient_id: patientIds[0] }), 400, "invalid_request_body");
    expectError(await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[0], colour: "red" }), 400, "invalid_request_body");
    expectError(await call("POST", "/patients", "{"), 400, "invalid_request_body");
    expect(await activeAppointments(slotId!)).toEqual([]);
  });

  it("400 invalid_slot_id", async () => {
    expectError(await call("POST", "/appointments", { slot_id: "not-a-slot", patient_id: patientIds[0] }), 400, "invalid_slot_id");
    expectError(await call("POST", "/appointments", { patient_id: patientIds[0] }), 400, "invalid_slot_id");
    expectError(await call("GET", "/appointments?slot_id=not-a-slot"), 400, "invalid_slot_id");
  });

  it("400 invalid_patient_id", async () => {
    const [slotId] = await newSlots(1);
    expectError(await call("POST", "/appointments", { slot_id: slotId, patient_id: "not-a-patient" }), 400, "invalid_patient_id");
    expectError(await call("GET", "/patients/not-a-patient"), 400, "invalid_patient_id");
    expectError(await call("GET", "/appointments?patient_id=not-a-patient"), 400, "invalid_patient_id");
  });

  it("400 invalid_appointment_id", async () => {
    expectError(await call("GET", "/appointments/not-an-id"), 400, "invalid_appointment_id");
    expectError(await call("POST", "/appointments/not-an-id/confirm"), 400, "invalid_appointment_id");
    expectError(await call("POST", "/appointments/not-an-id/cancel"), 400, "invalid_appointment_id");
    expectError(await call("GET", "/appointments/not-an-id/events"), 400, "invalid_appointment_id");
  });

  it("400 missing_filter: neither patient_id nor slot_id", async () => {
    expectError(await call("GET", "/appointments"), 400, "missing_filter");
    expectError(await call("GET", "/appointments?limit=5"), 400, "missing_filter");
  });

  it("404 patient_not_found", async () => {
    const [slotId] = await newSlots(1);
    expectError(await call("GET", `/patients/${randomUUID()}`), 404, "patient_not_found");
    expectError(await call("POST", "/appointments", { slot_id: slotId, patient_id: randomUUID() }), 404, "patient_not_found");
  });

  it("404 slot_not_found", async () => {
    expectError(await call("POST", "/appointments", { slot_id: randomUUID(), patient_id: patientIds[0] }), 404, "slot_not_found");
  });

  it("404 appointment_not_found", async () => {
    const missing = randomUUID();
    expectError(await call("GET", `/appointments/${missing}`), 404, "appointment_not_found");
    expectError(await call("POST", `/appointments/${missing}/confirm`), 404, "appointment_not_found");
    expectError(await call("POST", `/appointments/${missing}/cancel`), 404, "appointment_not_found");
    expectError(await call("GET", `/appointments/${missing}/events`), 404, "appointment_not_found");
  });

  it("409 slot_already_booked: no capacity left", async () => {
    const [slotId] = await newSlots(1);
    const first = await hold(slotId!, patientIds[7]!);
    expectError(await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[8] }), 409, "slot_already_booked");
    // Confirmed, the slot is just as full.
    await call("POST", `/appointments/${first.id}/confirm`);
    expectError(await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[8] }), 409, "slot_already_booked");
    expect(await activeAppointments(slotId!)).toEqual([first.id]);
  });

  it("409 slot_not_open: a blocked slot (POST /slots/{id}/block)", async () => {
    const [slotId] = await newSlots(1);
    const blocked = await call("POST", `/slots/${slotId}/block`);
    expect({ status: blocked.status, body: blocked.body }).toEqual({ status: 200, body: slotShape({ id: slotId, status: "blocked", capacity: 1 }) });
    expectError(await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[9] }), 409, "slot_not_open");
    const unblocked = await call("POST", `/slots/${slotId}/unblock`);
    expect(unblocked.body.status).toBe("open");
    expect((await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[9] })).status).toBe(201);
  });

  it("409 appointment_expired: confirming a hold after its expires_at (a server with APPOINTMENT_TTL=1s)", async () => {
    const [slotId] = await newSlots(1);
    const lapsing = await hold(slotId!, patientIds[10]!, shortHolds);
    expect(timeValue(lapsing.expires_at) - timeValue(lapsing.created_at)).toBeLessThanOrEqual(1_000);
    await sleep(Math.max(0, timeValue(lapsing.expires_at) - Date.now()) + 300);
    expectError(await call("POST", `/appointments/${lapsing.id}/confirm`), 409, "appointment_expired");
    expectError(await call("POST", `/appointments/${lapsing.id}/confirm`, undefined, {}, shortHolds), 409, "appointment_expired");
    // The lapsed hold no longer occupies the slot: someone else can hold it at once.
    expect((await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[11] })).status).toBe(201);
  });

  it("409 invalid_status_transition: confirming a cancelled appointment", async () => {
    const [slotId] = await newSlots(1);
    const created = await hold(slotId!, patientIds[12]!);
    await call("POST", `/appointments/${created.id}/cancel`);
    expectError(await call("POST", `/appointments/${created.id}/confirm`), 409, "invalid_status_transition");
    // Cancelling it again answers it unchanged.
    const again = await call("POST", `/appointments/${created.id}/cancel`);
    expect({ status: again.status, state: again.body.status }).toEqual({ status: 200, state: "cancelled" });
  });

  it("422 idempotency_key_reused: the same Idempotency-Key with another request; the same request replays", async () => {
    const [slotId, otherSlot] = await newSlots(2);
    const key = { "Idempotency-Key": randomUUID() };
    const first = await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[13] }, key);
    expect(first.status).toBe(201);
    const replay = await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[13] }, key);
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 201, body: first.body });
    expectError(await call("POST", "/appointments", { slot_id: otherSlot, patient_id: patientIds[13] }, key), 422, "idempotency_key_reused");
    expect(await activeAppointments(slotId!)).toEqual([first.body.id]);
    expect(await activeAppointments(otherSlot!)).toEqual([]);
  });

  it("409 idempotency_key_in_use and 409 slot_being_booked, while a booking of the slot is held up in PostgreSQL", async () => {
    const [slotId] = await newSlots(1);
    const key = { "Idempotency-Key": randomUUID() };
    const request = { slot_id: slotId, patient_id: patientIds[14] };
    // The test holds the slot's row lock, so that the first booking, having
    // claimed its key and taken the Redis slot lock, waits inside PostgreSQL.
    const blocker = await admin.connect();
    let first: Promise<RestAnswer> | undefined;
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM appointment_slots WHERE id = $1 FOR UPDATE", [slotId]);
      first = call("POST", "/appointments", request, key);
      await expect
        .poll(
          async () =>
            (
              await admin.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
              )
            ).rows[0]!.n,
          { timeout: 10_000, interval: 20 },
        )
        .toBeGreaterThanOrEqual(1);
      expectError(await call("POST", "/appointments", request, key), 409, "idempotency_key_in_use");
      expectError(await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[15] }), 409, "slot_being_booked");
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
    const answered = await first!;
    expect(answered.status, answered.text).toBe(201);
    expect(answered.body).toEqual(appointmentShape({ slot_id: slotId, patient_id: patientIds[14] }));
    // Once the first is answered, a retry replays it.
    const replay = await call("POST", "/appointments", request, key);
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 201, body: answered.body });
    expect(await activeAppointments(slotId!)).toEqual([answered.body.id]);
  });

  it("409 slot_being_booked under a burst of 100 simultaneous POST /appointments on one capacity-1 slot: exactly one 201", async () => {
    const tally: Record<string, number> = {};
    // A burst is a race: retry on a fresh slot in the rare case that the
    // first request finished before the others arrived (no slot_being_booked).
    for (let attempt = 1; attempt <= 5; attempt++) {
      const [slotId] = await newSlots(1);
      // Patients of their own, holding nothing: a patient that earlier tests
      // left at the hold cap (MAX_ACTIVE_HOLDS_PER_PATIENT) would be answered
      // too_many_holds if its request took the lock first.
      const burstPatients = await freshPatients(100, `burst${attempt}`);
      const burst = burstPatients.map((patientId, index) =>
        call("POST", "/appointments", { slot_id: slotId, patient_id: patientId }, { "X-Request-ID": `burst-${attempt}-${index}` }),
      );
      const answers = await Promise.all(burst);
      for (const key of Object.keys(tally)) delete tally[key];
      const created: Json[] = [];
      for (const [index, answer] of answers.entries()) {
        expect(answer.headers.get("x-request-id")).toBe(`burst-${attempt}-${index}`);
        if (answer.status === 201) {
          expect(answer.body).toEqual(appointmentShape({ slot_id: slotId, patient_id: burstPatients[index] }));
          created.push(answer.body);
          tally.created = (tally.created ?? 0) + 1;
        } else {
          expect({ status: answer.status, body: answer.body }).toEqual({
            status: 409,
            body: { error: expect.toBeOneOf(["slot_being_booked", "slot_already_booked"]), details: aString },
          });
          tally[answer.body.error] = (tally[answer.body.error] ?? 0) + 1;
        }
      }
      expect(created).toHaveLength(1);
      expect(await activeAppointments(slotId!)).toEqual([created[0].id]);
      if ((tally.slot_being_booked ?? 0) > 0) break;
    }
    console.log(`burst of 100 on one capacity-1 slot: ${JSON.stringify(tally)}`);
    expect(tally.created).toBe(1);
    expect(tally.slot_being_booked).toBeGreaterThan(0);
    expect((tally.slot_being_booked ?? 0) + (tally.slot_already_booked ?? 0)).toBe(99);
  });

  it("codes beyond the table's named ones keep the same body: other validation failures (400), conflicts (409), REST's own 404/405", async () => {
    const times = slotTimes();
    expectError(await call("POST", "/slots", { clinician_id: clinicianId, start_time: times.end_time, end_time: times.start_time }), 400, "invalid_time_range");
    expectError(await call("POST", "/slots", { clinician_id: clinicianId, ...slotTimes(), capacity: -1 }), 400, "invalid_capacity");
    expectError(await call("POST", "/slots", { clinician_id: "nope", ...slotTimes() }), 400, "invalid_clinician_id");
    expectError(await call("POST", "/slots", { clinician_id: randomUUID(), ...slotTimes() }), 404, "clinician_not_found");
    expectError(await call("GET", `/clinicians/${randomUUID()}`), 404, "clinician_not_found");
    expectError(await call("POST", "/patients", {}), 400, "invalid_argument");
    expectError(await call("GET", `/appointments?patient_id=${patientIds[0]}&limit=ten`), 400, "invalid_argument");

    const [slotId] = await newSlots(1, 2);
    const overlapping = await call("GET", `/slots/${slotId}`);
    expectError(
      await call("POST", "/slots", { clinician_id: clinicianId, start_time: overlapping.body.start_time, end_time: overlapping.body.end_time }),
      409,
      "slot_overlaps",
    );
    await hold(slotId!, patientIds[16]!);
    expectError(await call("POST", "/appointments", { slot_id: slotId, patient_id: patientIds[16] }), 409, "appointment_already_held");
    await call("POST", "/patients", { name: "Taken", email: "taken.contract@example.org" });
    expectError(await call("POST", "/patients", { name: "Taken Again", email: "TAKEN.contract@example.org" }), 409, "patient_email_taken");

    expectError(await call("GET", "/no/such/path"), 404, "not_found");
    const wrongMethod = await call("DELETE", `/appointments/${randomUUID()}`);
    expectError(wrongMethod, 405, "method_not_allowed");
    expect(wrongMethod.headers.get("allow")).toBe("GET");
  });

  it("X-Request-ID: the caller's is echoed on successes and errors, otherwise a fresh one is made", async () => {
    const ok = await call("GET", "/health/live", undefined, { "X-Request-ID": "contract-ok-1" });
    expect(ok.headers.get("x-request-id")).toBe("contract-ok-1");
    const failed = await call("GET", `/appointments/${randomUUID()}`, undefined, { "X-Request-ID": "contract-error-1" });
    expect(failed.headers.get("x-request-id")).toBe("contract-error-1");
    const generated = await Promise.all([call("GET", "/health/live"), call("GET", "/health/live")]);
    const ids = generated.map((answer) => answer.headers.get("x-request-id"));
    expect(ids).toEqual([expect.stringMatching(uuidPattern), expect.stringMatching(uuidPattern)]);
    expect(ids[0]).not.toBe(ids[1]);
  });
});
