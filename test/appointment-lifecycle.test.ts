import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { anonymousCaller, type Caller } from "../src/core/access/caller.js";
import { SchedError } from "../src/core/errors.js";
import { failureCode } from "./support/expect-failure.js";
import type { Appointment } from "../src/core/model/appointment.js";
import type { SlotLock } from "../src/core/ports/slot-lock.js";
import type { Appointments } from "../src/core/services/appointments.js";
import { BookingFixture, cleanAudit, uniqueKey } from "./support/booking-fixture.js";

// Check-in, completion and no-show; moving an appointment to another slot;
// staff overbooking: through the core over the real database, each test
// ending with the invariant audit of the tables.

let fixture: BookingFixture;
let appointments: Appointments;
let patients: string[];
let pastSlots = 0;

const staff: Caller = { subject: "front-desk-7", role: "staff" };
const service: Caller = { subject: "ward-system", role: "service" };
const patientCaller = (patientId: string): Caller => ({ subject: patientId, role: "patient" });

beforeAll(async () => {
  fixture = await BookingFixture.create("appointment_lifecycle", 60);
  patients = fixture.patientIds;
  appointments = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }) });
});

afterEach(async () => {
  expect(await fixture.audit()).toEqual(cleanAudit);
});

afterAll(async () => {
  await fixture.close();
});

async function trail(id: string): Promise<string[]> {
  return (await appointments.listEvents(anonymousCaller, id)).map((event) => event.eventType);
}

async function booked(slotId: string, patientId: string): Promise<Appointment> {
  const hold = await appointments.create(anonymousCaller, { slotId, patientId });
  return appointments.confirm(anonymousCaller, hold.id);
}

/** Moves a slot into the past (a range of its own, so that the clinician's slots never overlap), as time passing would. */
async function startSlot(slotId: string): Promise<void> {
  pastSlots += 1;
  await fixture.admin.query(
    `UPDATE appointment_slots SET start_time = now() - $2 * interval '1 day', end_time = now() - $2 * interval '1 day' + interval '30 minutes'
      WHERE id = $1`,
    [slotId, pastSlots],
  );
}

async function slotView(slotId: string): Promise<{ available: number; overbooked: number }> {
  const { rows } = await fixture.admin.query<{ occupants: number; overbooked: number; capacity: number }>(
    `SELECT s.capacity,
            count(a.id) FILTER (WHERE a.status NOT IN ('cancelled', 'expired') AND (a.status <> 'pending' OR a.expires_at > now()))::int AS occupants,
            count(a.id) FILTER (WHERE a.overbooked AND a.status NOT IN ('cancelled', 'expired'))::int AS overbooked
       FROM appointment_slots s LEFT JOIN appointments a ON a.slot_id = s.id WHERE s.id = $1 GROUP BY s.capacity`,
    [slotId],
  );
  return { available: Math.max(0, rows[0]!.capacity - rows[0]!.occupants), overbooked: rows[0]!.overbooked };
}

describe("check-in, completion and no-show", () => {
  it("checks in a confirmed appointment and completes it, each with its event; retries answer it unchanged", async () => {
    const [slotId] = await fixture.slots(1);
    const appointment = await booked(slotId!, patients[0]!);
    const arrived = await appointments.checkIn(staff, appointment.id);
    expect(arrived).toMatchObject({ id: appointment.id, status: "arrived", expiresAt: null });
    expect((await appointments.checkIn(staff, appointment.id)).updatedAt).toEqual(arrived.updatedAt);
    const fulfilled = await appointments.complete(service, appointment.id);
    expect(fulfilled.status).toBe("fulfilled");
    expect((await appointments.complete(staff, appointment.id)).status).toBe("fulfilled");
    expect(await trail(appointment.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CONFIRMED", "APPOINTMENT_CHECKED_IN", "APPOINTMENT_COMPLETED"]);
    const events = await appointments.listEvents(anonymousCaller, appointment.id);
    expect(events[2]).toMatchObject({ payload: { from: "confirmed", to: "arrived" }, actor: staff });
    expect(events[3]).toMatchObject({ payload: { from: "arrived", to: "fulfilled" }, actor: service });
  });

  it("marks a no-show only once the slot has started", async () => {
    const [slotId] = await fixture.slots(1);
    const appointment = await booked(slotId!, patients[1]!);
    expect(await failureCode(appointments.markNoShow(staff, appointment.id))).toBe("slot_not_started");
    await startSlot(slotId!);
    expect((await appointments.markNoShow(staff, appointment.id)).status).toBe("noshow");
    expect((await appointments.markNoShow(staff, appointment.id)).status).toBe("noshow");
    expect(await trail(appointment.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CONFIRMED", "APPOINTMENT_NO_SHOW"]);
  });

  it("refuses steps out of order, and final states stay final", async () => {
    const [slotId, other] = await fixture.slots(2);
    const hold = await appointments.create(anonymousCaller, { slotId, patientId: patients[2] });
    expect(await failureCode(appointments.checkIn(staff, hold.id))).toBe("invalid_status_transition");
    expect(await failureCode(appointments.complete(staff, hold.id))).toBe("invalid_status_transition");
    expect(await failureCode(appointments.markNoShow(staff, hold.id))).toBe("invalid_status_transition");
    const confirmed = await appointments.confirm(anonymousCaller, hold.id);
    expect(await failureCode(appointments.complete(staff, confirmed.id))).toBe("invalid_status_transition");
    await appointments.checkIn(staff, confirmed.id);
    expect(await failureCode(appointments.cancel(staff, confirmed.id))).toBe("invalid_status_transition");
    expect(await failureCode(appointments.confirm(staff, confirmed.id))).toBe("invalid_status_transition");
    expect(await failureCode(appointments.markNoShow(staff, confirmed.id))).toBe("invalid_status_transition");
    expect(await failureCode(appointments.reschedule(staff, { id: confirmed.id, slotId: other }))).toBe("invalid_status_transition");
    await appointments.complete(staff, confirmed.id);
    expect(await failureCode(appointments.checkIn(staff, confirmed.id))).toBe("invalid_status_transition");
    const cancelled = await appointments.cancel(anonymousCaller, (await booked(other!, patients[3]!)).id);
    expect(await failureCode(appointments.checkIn(staff, cancelled.id))).toBe("invalid_status_transition");
  });

  it("is for staff and services: a patient may not record its own visit", async () => {
    const [slotId] = await fixture.slots(1);
    const appointment = await booked(slotId!, patients[4]!);
    const own = patientCaller(patients[4]!);
    expect(await failureCode(appointments.checkIn(own, appointment.id))).toBe("permission_denied");
    expect(await failureCode(appointments.complete(own, appointment.id))).toBe("permission_denied");
    expect(await failureCode(appointments.markNoShow(own, appointment.id))).toBe("permission_denied");
    expect(await failureCode(appointments.checkIn(staff, "00000000-0000-4000-8000-000000000000"))).toBe("appointment_not_found");
    expect(await failureCode(appointments.checkIn(staff, "nope"))).toBe("invalid_appointment_id");
  });

  it("keeps the visit's place in the slot: arrived, fulfilled and no-show appointments still occupy it", async () => {
    const [arrivedSlot, fulfilledSlot, noShowSlot] = await fixture.slots(3);
    const arrived = await booked(arrivedSlot!, patients[5]!);
    await appointments.checkIn(staff, arrived.id);
    const fulfilled = await booked(fulfilledSlot!, patients[6]!);
    await appointments.checkIn(staff, fulfilled.id);
    await appointments.complete(staff, fulfilled.id);
    const noShow = await booked(noShowSlot!, patients[7]!);
    for (const slotId of [arrivedSlot!, fulfilledSlot!]) {
      expect(await failureCode(appointments.create(anonymousCaller, { slotId, patientId: patients[8] }))).toBe("slot_already_booked");
      expect(await slotView(slotId)).toEqual({ available: 0, overbooked: 0 });
    }
    await startSlot(noShowSlot!);
    await appointments.markNoShow(staff, noShow.id);
    expect(await fixture.occupants(noShowSlot!)).toBe(1);
    // The patient cannot take a second place beside its own visit either.
    await fixture.admin.query(`UPDATE appointment_slots SET capacity = 2 WHERE id = $1`, [arrivedSlot]);
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: arrivedSlot, patientId: patients[5] }))).toBe("appointment_already_held");
  });
});

describe("reschedule", () => {
  it("moves a confirmed appointment, same id, and frees its old place at once", async () => {
    const [from, to] = await fixture.slots(2);
    const appointment = await booked(from!, patients[10]!);
    const moved = await appointments.reschedule(staff, { id: appointment.id, slotId: to });
    expect(moved).toMatchObject({ id: appointment.id, slotId: to, status: "confirmed", expiresAt: null, overbooked: false });
    expect(await fixture.occupants(from!)).toBe(0);
    expect(await fixture.occupants(to!)).toBe(1);
    const events = await appointments.listEvents(anonymousCaller, appointment.id);
    expect(events.map((event) => event.eventType)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CONFIRMED", "APPOINTMENT_RESCHEDULED"]);
    expect(events[2]).toMatchObject({ payload: { from_slot_id: from, to_slot_id: to }, actor: staff });
    // The old place is bookable again, the new one full.
    await appointments.create(anonymousCaller, { slotId: from, patientId: patients[11] });
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: to, patientId: patients[11] }))).toBe("slot_already_booked");
  });

  it("keeps a hold a hold, with a fresh APPOINTMENT_TTL", async () => {
    const shortHolds = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), holdTtlMs: 60_000 });
    const [from, to] = await fixture.slots(2);
    const hold = await shortHolds.create(anonymousCaller, { slotId: from, patientId: patients[12] });
    await fixture.admin.query(`UPDATE appointments SET expires_at = now() + interval '5 seconds' WHERE id = $1`, [hold.id]);
    const before = Date.now();
    const moved = await shortHolds.reschedule(patientCaller(patients[12]!), { id: hold.id, slotId: to });
    expect(moved.status).toBe("pending");
    expect(moved.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 60_000 - 5_000);
    expect((await shortHolds.confirm(anonymousCaller, hold.id)).slotId).toBe(to);
  });

  it("moving to its own slot changes nothing", async () => {
    const [slotId] = await fixture.slots(1);
    const appointment = await booked(slotId!, patients[13]!);
    const same = await appointments.reschedule(staff, { id: appointment.id, slotId });
    expect(same).toEqual(appointment);
    expect(await trail(appointment.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CONFIRMED"]);
  });

  it("refuses like a booking, and a refused move leaves the appointment where it was", async () => {
    const [from, full, blocked, roomy] = await fixture.slots(4);
    const appointment = await booked(from!, patients[14]!);
    await booked(full!, patients[15]!);
    await fixture.admin.query(`UPDATE appointment_slots SET status = 'blocked' WHERE id = $1`, [blocked]);
    await fixture.admin.query(`UPDATE appointment_slots SET capacity = 2 WHERE id = $1`, [roomy]);
    await appointments.create(anonymousCaller, { slotId: roomy, patientId: patients[14] });
    const [past] = await fixture.slots(1);
    await startSlot(past!);
    expect(await failureCode(appointments.reschedule(staff, { id: appointment.id, slotId: full }))).toBe("slot_already_booked");
    expect(await failureCode(appointments.reschedule(staff, { id: appointment.id, slotId: blocked }))).toBe("slot_not_open");
    expect(await failureCode(appointments.reschedule(staff, { id: appointment.id, slotId: roomy }))).toBe("appointment_already_held");
    expect(await failureCode(appointments.reschedule(staff, { id: appointment.id, slotId: past }))).toBe("slot_in_past");
    expect(await failureCode(appointments.reschedule(staff, { id: appointment.id, slotId: "00000000-0000-4000-8000-000000000000" }))).toBe("slot_not_found");
    expect(await failureCode(appointments.reschedule(staff, { id: appointment.id, slotId: "x" }))).toBe("invalid_slot_id");
    expect(await failureCode(appointments.reschedule(staff, { id: "00000000-0000-4000-8000-000000000000", slotId: full }))).toBe("appointment_not_found");
    expect((await appointments.get(staff, appointment.id)).slot.id).toBe(from);
    expect(await trail(appointment.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CONFIRMED"]);
  });

  it("refuses cancelled and expired appointments, and a lapsed hold", async () => {
    const shortHolds = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), holdTtlMs: 100 });
    const [a, b, c, to] = await fixture.slots(4);
    const cancelled = await appointments.cancel(anonymousCaller, (await booked(a!, patients[16]!)).id);
    expect(await failureCode(appointments.reschedule(staff, { id: cancelled.id, slotId: to }))).toBe("invalid_status_transition");
    const lapsing = await shortHolds.create(anonymousCaller, { slotId: b, patientId: patients[17] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await failureCode(appointments.reschedule(staff, { id: lapsing.id, slotId: to }))).toBe("appointment_expired");
    const expired = await shortHolds.create(anonymousCaller, { slotId: c, patientId: patients[18] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await fixture.expiry().expireLapsedHolds();
    expect(await failureCode(appointments.reschedule(staff, { id: expired.id, slotId: to }))).toBe("invalid_status_transition");
    expect(await fixture.occupants(to!)).toBe(0);
  });

  it("lets a patient move only its own appointment", async () => {
    const [from, to] = await fixture.slots(2);
    const appointment = await booked(from!, patients[19]!);
    expect(await failureCode(appointments.reschedule(patientCaller(patients[20]!), { id: appointment.id, slotId: to }))).toBe("permission_denied");
    expect((await appointments.reschedule(patientCaller(patients[19]!), { id: appointment.id, slotId: to })).slotId).toBe(to);
    const events = await appointments.listEvents(anonymousCaller, appointment.id);
    expect(events.at(-1)!.actor).toEqual(patientCaller(patients[19]!));
  });

  it("replays a move for the same Idempotency-Key and request, and moves nothing twice", async () => {
    const [from, to, elsewhere] = await fixture.slots(3);
    const appointment = await booked(from!, patients[21]!);
    const key = uniqueKey();
    const first = await appointments.reschedule(staff, { id: appointment.id, slotId: to }, { idempotencyKey: key });
    let replayed = false;
    const again = await appointments.reschedule(staff, { id: appointment.id, slotId: to }, { idempotencyKey: key, onReplay: () => (replayed = true) });
    expect(replayed).toBe(true);
    expect(again).toEqual(first);
    expect(await failureCode(appointments.reschedule(staff, { id: appointment.id, slotId: elsewhere }, { idempotencyKey: key }))).toBe("idempotency_key_reused");
    // A booking under the same key is another request too.
    expect(await failureCode(appointments.create(staff, { slotId: to, patientId: patients[21] }, { idempotencyKey: key }))).toBe("idempotency_key_reused");
    expect(await trail(appointment.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CONFIRMED", "APPOINTMENT_RESCHEDULED"]);
  });

  it("under 40 simultaneous moves between two slots of capacity 2, in both directions, never overfills either", async () => {
    const [left, right] = await fixture.slots(2, 2);
    const onLeft = [await booked(left!, patients[22]!), await booked(left!, patients[23]!)];
    const onRight = [await booked(right!, patients[24]!)];
    const moves = Array.from({ length: 40 }, (_, index) => {
      const appointment = index % 2 === 0 ? onLeft[index % 2]! : onRight[0]!;
      const target = index % 4 < 2 ? right : left;
      return appointments.reschedule(staff, { id: appointment.id, slotId: target }).then(
        () => "moved",
        (error: unknown) => (error as SchedError).code,
      );
    });
    const outcomes = await Promise.all(moves);
    expect(outcomes.filter((outcome) => !["moved", "slot_already_booked"].includes(outcome))).toEqual([]);
    expect((await fixture.occupants(left!)) + (await fixture.occupants(right!))).toBe(3);
    expect(await fixture.occupants(left!)).toBeLessThanOrEqual(2);
    expect(await fixture.occupants(right!)).toBeLessThanOrEqual(2);
  });
});

describe("staff overbooking", () => {
  it("books a full slot beyond its capacity for staff with a reason, up to OVERBOOK_LIMIT, and records why", async () => {
    const [slotId] = await fixture.slots(1);
    await booked(slotId!, patients[30]!);
    expect(await failureCode(appointments.create(staff, { slotId, patientId: patients[31] }))).toBe("slot_already_booked");
    const extra = await appointments.create(staff, { slotId, patientId: patients[31], overbookReason: "  urgent: chest pain " });
    expect(extra).toMatchObject({ status: "pending", overbooked: true });
    const created = (await appointments.listEvents(anonymousCaller, extra.id))[0]!;
    expect(created.payload).toMatchObject({ overbooked: true, overbook_reason: "urgent: chest pain", occupants: 1, capacity: 1 });
    expect(created.actor).toEqual(staff);
    expect(await slotView(slotId!)).toEqual({ available: 0, overbooked: 1 });
    expect((await appointments.get(staff, extra.id)).slot).toMatchObject({ available: 0, overbooked: 1 });
    // The default limit is one extra place per slot.
    expect(await failureCode(appointments.create(staff, { slotId, patientId: patients[32], overbookReason: "again" }))).toBe("slot_already_booked");
    // An overbooked hold confirms, checks in and completes like any other.
    await appointments.confirm(staff, extra.id);
    await appointments.checkIn(staff, extra.id);
    await appointments.complete(staff, extra.id);
  });

  it("books an ordinary place when the slot has room, reason or not", async () => {
    const [slotId] = await fixture.slots(1, 2);
    const appointment = await appointments.create(staff, { slotId, patientId: patients[33], overbookReason: "just in case" });
    expect(appointment.overbooked).toBe(false);
    expect((await appointments.listEvents(anonymousCaller, appointment.id))[0]!.payload).not.toHaveProperty("overbook_reason");
  });

  it("is for staff only: patients and services are refused with 403, whatever the slot", async () => {
    const [slotId] = await fixture.slots(1);
    await booked(slotId!, patients[34]!);
    const request = { slotId, patientId: patients[35], overbookReason: "urgent" };
    expect(await failureCode(appointments.create(patientCaller(patients[35]!), request))).toBe("permission_denied");
    expect(await failureCode(appointments.create(service, request))).toBe("permission_denied");
    expect(await failureCode(appointments.create(staff, { ...request, overbookReason: "bad\u0007reason" }))).toBe("invalid_argument");
    expect(await failureCode(appointments.create(staff, { ...request, overbookReason: "x".repeat(501) }))).toBe("invalid_argument");
  });

  it("moves an appointment into a full slot as an overbooking, and out of it as an ordinary place", async () => {
    const [from, full, roomy] = await fixture.slots(3);
    const appointment = await booked(from!, patients[36]!);
    await booked(full!, patients[37]!);
    expect(await failureCode(appointments.reschedule(staff, { id: appointment.id, slotId: full }))).toBe("slot_already_booked");
    expect(await failureCode(appointments.reschedule(patientCaller(patients[36]!), { id: appointment.id, slotId: full, overbookReason: "please" }))).toBe(
      "permission_denied",
    );
    const moved = await appointments.reschedule(staff, { id: appointment.id, slotId: full, overbookReason: "moved for surgery" });
    expect(moved).toMatchObject({ slotId: full, overbooked: true });
    const event = (await appointments.listEvents(anonymousCaller, appointment.id)).at(-1)!;
    expect(event.payload).toMatchObject({ from_slot_id: from, to_slot_id: full, overbooked: true, overbook_reason: "moved for surgery", occupants: 1 });
    expect(await slotView(full!)).toEqual({ available: 0, overbooked: 1 });
    const back = await appointments.reschedule(staff, { id: appointment.id, slotId: roomy });
    expect(back).toMatchObject({ slotId: roomy, overbooked: false });
  });

  it("with OVERBOOK_LIMIT 0 overbooks nothing", async () => {
    const strict = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), overbookLimit: 0 });
    const [slotId] = await fixture.slots(1);
    await booked(slotId!, patients[38]!);
    expect(await failureCode(strict.create(staff, { slotId, patientId: patients[39], overbookReason: "urgent" }))).toBe("slot_already_booked");
  });

  it("under 30 simultaneous overbookings of one full slot through 5 instances, with a limit of 2, admits exactly 2", async () => {
    // Without a slot lock, every attempt reaches the database at once, as from many servers whose Redis is away.
    const instances = Array.from({ length: 5 }, () => fixture.instance({ lock: noLock, overbookLimit: 2, poolSize: 6 }));
    const [slotId] = await fixture.slots(1);
    await booked(slotId!, patients[40]!);
    const outcomes = await Promise.all(
      patients.slice(41, 71 - 11).concat(patients.slice(41, 52)).map((patientId, index) =>
        instances[index % instances.length]!.create(staff, { slotId, patientId, overbookReason: `rush ${index}` }).then(
          () => "booked",
          (error: unknown) => (error as SchedError).code,
        ),
      ),
    );
    expect(outcomes).toHaveLength(30);
    expect(outcomes.filter((outcome) => outcome === "booked")).toHaveLength(2);
    expect(outcomes.filter((outcome) => !["booked", "slot_already_booked", "appointment_already_held"].includes(outcome))).toEqual([]);
    expect(await slotView(slotId!)).toEqual({ available: 0, overbooked: 2 });
  });
});

const noLock: SlotLock = {
  tryAcquire: () => Promise.resolve({ outcome: "unavailable" }),
  isAvailable: () => Promise.resolve(false),
  close: () => Promise.resolve(),
};
