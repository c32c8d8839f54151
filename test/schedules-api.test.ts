import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createCoreRuntime, type CoreRuntime } from "../src/app/core-runtime.js";
import { createSchedClient, errorReason, type SchedProtocol } from "../src/client/index.js";
import { loadConfig } from "../src/config/config.js";
import { silentLogger } from "../src/core/ports/logger.js";
import { schedHandler } from "./support/sched-handler.js";
import { testSlotHorizonDays } from "./support/sched-process.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

// The schedule RPCs over REST (the shape docs/api.md promises), gRPC,
// gRPC-Web and Connect, against the handler the server runs.

// REST bodies are checked field by field against docs/api.md; `any` keeps that readable.
type Json = any;

let database: TestDatabase;
let runtime: CoreRuntime;
let h2: http2.Http2Server;
let h1: http.Server;
let h2Url: string;
let h1Url: string;
const sessions = new Set<http2.ServerHttp2Session>();

beforeAll(async () => {
  database = await createTestDatabase("schedules_api");
  await migrate(database.dsn);
  const config = loadConfig({ env: { POSTGRES_DSN: database.dsn, SLOT_HORIZON_DAYS: testSlotHorizonDays }, cwd: database.name });
  runtime = createCoreRuntime({ config, logger: silentLogger, lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), poolSize: 5 });
  const handler = schedHandler(runtime.core);
  h2 = http2.createServer(handler);
  h2.on("session", (session) => sessions.add(session));
  h1 = http.createServer(handler);
  await Promise.all([new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve)), new Promise<void>((resolve) => h1.listen(0, "127.0.0.1", resolve))]);
  h2Url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
  h1Url = `http://127.0.0.1:${(h1.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const session of sessions) session.destroy();
  h1.closeAllConnections();
  await new Promise((resolve) => h2.close(resolve));
  await new Promise((resolve) => h1.close(resolve));
  await runtime.close();
  await database.drop();
});

async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${h1Url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

/** The Monday of next week, plus `days`, "YYYY-MM-DD": inside the horizon, and in the future in every time zone. */
function nextWeek(days = 0): string {
  const date = new Date();
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - sinceMonday + 7 + days);
  return date.toISOString().slice(0, 10);
}

describe("REST /schedules", () => {
  it("creates a schedule with the documented body and answers it as stored, its slots listed by GET /slots", async () => {
    const clinician = await rest("POST", "/clinicians", { name: "Dr Rest", specialty: "oncology" });
    const monday = nextWeek();
    const sunday = nextWeek(6);
    const created = await rest("POST", "/schedules", {
      clinician_id: clinician.body.id,
      time_zone: "Europe/London",
      effective_from: monday,
      effective_until: sunday,
      rules: [{ weekdays: ["MONDAY", "WEDNESDAY"], start: "09:00", end: "12:00", slot_minutes: 30, buffer_minutes: 0, capacity: 1 }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      clinician_id: clinician.body.id,
      time_zone: "Europe/London",
      effective_from: monday,
      effective_until: sunday,
      rules: [{ weekdays: ["MONDAY", "WEDNESDAY"], start: "09:00", end: "12:00", slot_minutes: 30, buffer_minutes: 0, capacity: 1 }],
      exceptions: [],
      generated_until: expect.stringMatching(/Z$/),
      version: 1,
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
    const id = created.body.id as string;
    expect((await rest("GET", `/schedules/${id}`)).body).toEqual(created.body);
    expect((await rest("GET", `/schedules?clinician_id=${clinician.body.id}`)).body).toEqual({ schedules: [created.body], total: 1 });

    const slots = await rest("GET", `/slots?clinician_id=${clinician.body.id}&limit=100`);
    expect(slots.body.total).toBe(12);

    const first = await rest("GET", `/availability?specialty=oncology&limit=1`);
    expect(first.status).toBe(200);
    expect(first.body.slots).toHaveLength(1);
    expect(first.body.slots[0]).toMatchObject({ clinician_id: clinician.body.id, available: 1, status: "open" });
    expect(first.body.slots[0].start_time).toBe(slots.body.slots[0].start_time);

    const changed = await rest("PATCH", `/schedules/${id}`, { rules: [{ weekdays: ["MONDAY"], start: "09:00", end: "10:00", slot_minutes: 60 }] });
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);
    expect((await rest("GET", `/slots?clinician_id=${clinician.body.id}&limit=100`)).body.total).toBe(1);

    const closed = await rest("POST", `/schedules/${id}/exceptions`, { date: monday, closed: true });
    expect(closed.status).toBe(201);
    expect(closed.body.exceptions).toEqual([{ date: monday, closed: true, hours: [] }]);
    expect((await rest("GET", `/slots?clinician_id=${clinician.body.id}&limit=100`)).body.total).toBe(0);
    expect((await rest("GET", `/schedules/${id}/conflicts`)).body).toEqual({ slots: [], total: 0 });
  });

  it("answers the schedule errors with their codes", async () => {
    const clinician = await rest("POST", "/clinicians", { name: "Dr Wrong" });
    const body = { clinician_id: clinician.body.id, time_zone: "Mars/Olympus", effective_from: "2027-01-01", rules: [] };
    expect(await rest("POST", "/schedules", body)).toMatchObject({ status: 400, body: { error: "invalid_time_zone" } });
    expect(await rest("POST", "/schedules", { ...body, time_zone: "UTC" })).toMatchObject({ status: 400, body: { error: "invalid_schedule" } });
    expect(await rest("GET", "/schedules/nope")).toMatchObject({ status: 400, body: { error: "invalid_schedule_id" } });
    expect(await rest("GET", "/schedules/7d4a3c1e-0000-4000-8000-000000000000")).toMatchObject({ status: 404, body: { error: "schedule_not_found" } });
  });
});

const variants: { protocol: SchedProtocol; httpVersion: "1.1" | "2" }[] = [
  { protocol: "grpc", httpVersion: "2" },
  { protocol: "grpc-web", httpVersion: "2" },
  { protocol: "connect", httpVersion: "1.1" },
];

describe.each(variants)("ScheduleService over $protocol, HTTP/$httpVersion", ({ protocol, httpVersion }) => {
  it("creates, reads, lists and finds availability", async () => {
    const client = createSchedClient({ baseUrl: httpVersion === "2" ? h2Url : h1Url, protocol, httpVersion });
    const { clinician } = await client.directory.createClinician({ name: `Dr ${protocol}`, specialty: `specialty-${protocol}` });
    const { schedule } = await client.schedules.createSchedule({
      clinicianId: clinician!.id,
      timeZone: "America/New_York",
      effectiveFrom: nextWeek(),
      rules: [{ weekdays: ["TUESDAY"], start: "13:00", end: "14:00", slotMinutes: 20 }],
    });
    expect(schedule).toMatchObject({ clinicianId: clinician!.id, timeZone: "America/New_York", version: 1 });
    expect(schedule!.effectiveUntil).toBeUndefined();
    expect((await client.schedules.getSchedule({ id: schedule!.id })).schedule).toEqual(schedule);
    expect((await client.schedules.listSchedules({ clinicianId: clinician!.id })).total).toBe(1);
    const { slots } = await client.schedules.findAvailability({ specialty: `specialty-${protocol}`, limit: 100 });
    // Every Tuesday up to the 8-week horizon: three 20-minute slots each.
    expect(slots.length).toBeGreaterThanOrEqual(3 * 7);
    expect(slots.every((slot) => slot.clinicianId === clinician!.id && slot.available === 1)).toBe(true);
    const failure = await client.schedules.getSchedule({ id: "7d4a3c1e-0000-4000-8000-000000000000" }).catch((error: unknown) => error);
    expect(errorReason(failure)).toBe("schedule_not_found");
  });
});
