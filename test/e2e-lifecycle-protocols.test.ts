import { ConnectError } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentEventType, AppointmentStatus } from "../gen/sched/v1/appointment_pb.js";
import { createSchedClient, errorReason, type SchedProtocol } from "../src/client/index.js";
import { restCall, restOk, type Json } from "./support/e2e-rest.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

/*
 * Reschedule, check-in, completion, no-show and overbooking against a real
 * `sched serve`, over REST and over Connect, gRPC-Web and gRPC through the
 * exported client: the same story on every protocol, and the metric that
 * counts overbookings.
 */

let served: ServedDatabase;
let admin: pg.Pool;
let clinicianId: string;
let nextStart = Date.parse("2035-03-05T08:00:00Z");

beforeAll(async () => {
  served = await startServedDatabase("e2e_lifecycle", { MAX_ACTIVE_HOLDS_PER_PATIENT: "0" });
  admin = new pg.Pool({ connectionString: served.database.dsn, max: 2 });
  clinicianId = (await rest("POST", "/clinicians", { name: "Dr Lifecycle" })).id;
}, 60_000);

afterAll(async () => {
  await admin?.end();
  await served?.close();
});

async function rest(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
  return restOk(served.server.url, method, path, body, headers);
}

async function slots(count: number): Promise<string[]> {
  const body = await rest("POST", "/slots", {
    slots: Array.from({ length: count }, () => {
      const start = new Date(nextStart);
      nextStart += 30 * 60_000;
      return { clinician_id: clinicianId, start_time: start.toISOString(), end_time: new Date(nextStart).toISOString() };
    }),
  });
  return body.slots.map((slot: Json) => slot.id as string);
}

async function patient(): Promise<string> {
  return (await rest("POST", "/patients", { name: "Patient Lifecycle" })).id as string;
}

async function confirmedIn(slotId: string): Promise<string> {
  const hold = await rest("POST", "/appointments", { slot_id: slotId, patient_id: await patient() });
  await rest("POST", `/appointments/${hold.id}/confirm`);
  return hold.id as string;
}

/** Time passing: the slot now started an hour ago (the server refuses to create such a slot, not to have one). */
async function startSlot(slotId: string): Promise<void> {
  nextStart += 60 * 60_000;
  await admin.query(
    `UPDATE appointment_slots SET start_time = now() - interval '1 hour' - $2 * interval '1 second', end_time = now() - $2 * interval '1 second'
      WHERE id = $1`,
    [slotId, (nextStart / 1000) % 100_000],
  );
}

describe("over REST", () => {
  it("reschedules (same id, old place freed, Idempotency-Key replayed), checks in, completes, marks a no-show", async () => {
    const [from, to, later] = await slots(3);
    const id = await confirmedIn(from!);
    const key = { "Idempotency-Key": `move-${id}` };
    const moved = await restCall(served.server.url, "POST", `/appointments/${id}/reschedule`, { slot_id: to }, key);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id, slot_id: to, status: "confirmed", expires_at: null, overbooked: false });
    const replay = await restCall(served.server.url, "POST", `/appointments/${id}/reschedule`, { slot_id: to }, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(moved.body);
    expect((await rest("GET", `/slots/${from}`)).available).toBe(1);
    const events = await rest("GET", `/appointments/${id}/events`);
    expect(events.events.at(-1)).toMatchObject({ event_type: "APPOINTMENT_RESCHEDULED", payload: { from_slot_id: from, to_slot_id: to } });

    const early = await restCall(served.server.url, "POST", `/appointments/${id}/no-show`, {});
    expect({ status: early.status, error: early.body.error }).toEqual({ status: 409, error: "slot_not_started" });
    expect(await rest("POST", `/appointments/${id}/check-in`, {})).toMatchObject({ id, status: "arrived" });
    expect(await rest("POST", `/appointments/${id}/complete`, {})).toMatchObject({ id, status: "fulfilled" });

    const missed = await confirmedIn(later!);
    await startSlot(later!);
    expect(await rest("POST", `/appointments/${missed}/no-show`, {})).toMatchObject({ id: missed, status: "noshow" });
    const refused = await restCall(served.server.url, "POST", `/appointments/${missed}/reschedule`, { slot_id: from });
    expect({ status: refused.status, error: refused.body.error }).toEqual({ status: 409, error: "invalid_status_transition" });
  });

  it("overbooks a full slot with a reason, shows it in the slot, and counts it in /metrics", async () => {
    const [slotId] = await slots(1);
    await confirmedIn(slotId!);
    const full = await restCall(served.server.url, "POST", "/appointments", { slot_id: slotId, patient_id: await patient() });
    expect(full.body.error).toBe("slot_already_booked");
    const extra = await rest("POST", "/appointments", { slot_id: slotId, patient_id: await patient(), overbook_reason: "urgent: chest pain" });
    expect(extra).toMatchObject({ status: "pending", overbooked: true });
    expect(await rest("GET", `/slots/${slotId}`)).toMatchObject({ capacity: 1, available: 0, overbooked: 1 });
    const beyond = await restCall(served.server.url, "POST", "/appointments", { slot_id: slotId, patient_id: await patient(), overbook_reason: "again" });
    expect(beyond.body.error).toBe("slot_already_booked");
    const metrics = await fetch(`${served.server.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/sched_overbookings_total\{procedure="CreateAppointment"\} 1\b/);
  });

  it("counts a move into a full slot once: its replay and a move to the slot it is in count nothing", async () => {
    const [from, full] = await slots(2);
    await confirmedIn(full!);
    const id = await confirmedIn(from!);
    const key = { "Idempotency-Key": `overbooked-move-${id}` };
    const move = { slot_id: full, overbook_reason: "moved for surgery" };
    expect(await rest("POST", `/appointments/${id}/reschedule`, move, key)).toMatchObject({ slot_id: full, overbooked: true });
    const replay = await restCall(served.server.url, "POST", `/appointments/${id}/reschedule`, move, key);
    expect({ replayed: replay.headers.get("idempotent-replayed"), overbooked: replay.body.overbooked }).toEqual({ replayed: "true", overbooked: true });
    // The same move again, without the key: the appointment is there already, and still marked.
    expect(await rest("POST", `/appointments/${id}/reschedule`, move)).toMatchObject({ slot_id: full, overbooked: true });
    const client = createSchedClient({ baseUrl: served.server.url, protocol: "grpc" });
    expect((await client.appointments.rescheduleAppointment({ id, slotId: full!, overbookReason: "again" })).appointment?.overbooked).toBe(true);
    const metrics = await fetch(`${served.server.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/sched_overbookings_total\{procedure="RescheduleAppointment"\} 1\b/);
    expect((await rest("GET", `/appointments/${id}/events`)).events.filter((event: Json) => event.event_type === "APPOINTMENT_RESCHEDULED")).toHaveLength(1);
  });
});

describe.each(["connect", "grpc-web", "grpc"] as SchedProtocol[])("over %s", (protocol) => {
  it("reschedules, checks in, completes and refuses an early no-show with slot_not_started", async () => {
    const client = createSchedClient({ baseUrl: served.server.url, protocol });
    const [from, to] = await slots(2);
    const id = await confirmedIn(from!);
    const moved = await client.appointments.rescheduleAppointment({ id, slotId: to! });
    expect(moved.appointment).toMatchObject({ id, slotId: to, status: AppointmentStatus.CONFIRMED, overbooked: false });
    const early = await client.appointments.markNoShow({ id }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(early).toBeInstanceOf(ConnectError);
    expect(errorReason(early as ConnectError)).toBe("slot_not_started");
    expect((await client.appointments.checkInAppointment({ id })).appointment?.status).toBe(AppointmentStatus.ARRIVED);
    expect((await client.appointments.completeAppointment({ id })).appointment?.status).toBe(AppointmentStatus.FULFILLED);
    const trail = (await client.appointments.listAppointmentEvents({ id })).events.map((event) => event.eventType);
    expect(trail.slice(-3)).toEqual([
      AppointmentEventType.APPOINTMENT_RESCHEDULED,
      AppointmentEventType.APPOINTMENT_CHECKED_IN,
      AppointmentEventType.APPOINTMENT_COMPLETED,
    ]);
  });
});
