import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectFailure, failureCode } from "./support/expect-failure.js";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { anonymousCaller, type Caller } from "../src/core/access/caller.js";
import { SchedError } from "../src/core/errors.js";
import type { Appointments } from "../src/core/services/appointments.js";
import { BookingFixture, cleanAudit, uniqueKey } from "./support/booking-fixture.js";

let fixture: BookingFixture;
let appointments: Appointments;
let patients: string[];

beforeAll(async () => {
  fixture = await BookingFixture.create("appointments", 60);
  patients = fixture.patientIds;
  appointments = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }) });
});

// The audit runs after each test, so that a broken invariant fails the test
// that broke it (a failure in afterAll would fail only the file).
afterEach(async () => {
  expect(await fixture.audit()).toEqual(cleanAudit);
});

afterAll(async () => {
  await fixture.close();
});

async function eventTypes(id: string): Promise<string[]> {
  return (await appointments.listEvents(anonymousCaller, id)).map((event) => event.eventType);
}

describe("holds", () => {
  it("creates a pending hold that expires after APPOINTMENT_TTL, with its event", async () => {
    const [slotId] = await fixture.slots(1);
    const before = Date.now();
    const hold = await appointments.create(anonymousCaller, { slotId, patientId: patients[0] });
    expect(hold).toMatchObject({ slotId, patientId: patients[0], status: "pending" });
    expect(hold.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 10 * 60_000 - 5_000);
    expect(hold.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 10 * 60_000 + 5_000);
    const events = await appointments.listEvents(anonymousCaller, hold.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ appointmentId: hold.id, eventType: "APPOINTMENT_CREATED" });
    expect(events[0]!.payload).toMatchObject({ slot_id: slotId, patient_id: patients[0], to: "pending" });
  });

  it("refuses a hold on a full slot, a blocked slot, a second hold by the same patient, and unknown ids", async () => {
    const [full, roomy, blocked] = await fixture.slots(3);
    await appointments.create(anonymousCaller, { slotId: full, patientId: patients[1] });
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: full, patientId: patients[2] }))).toBe("slot_already_booked");

    await fixture.admin.query(`UPDATE appointment_slots SET capacity = 3 WHERE id = $1`, [roomy]);
    await appointments.create(anonymousCaller, { slotId: roomy, patientId: patients[1] });
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: roomy, patientId: patients[1] }))).toBe("appointment_already_held");

    await fixture.admin.query(`UPDATE appointment_slots SET status = 'blocked' WHERE id = $1`, [blocked]);
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: blocked, patientId: patients[1] }))).toBe("slot_not_open");

    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: unknown, patientId: patients[1] }))).toBe("slot_not_found");
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: roomy, patientId: unknown }))).toBe("patient_not_found");
  });

  it("rejects malformed input with a clear code before touching the database", async () => {
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: "not-a-uuid", patientId: patients[0] }))).toBe("invalid_slot_id");
    expect(await failureCode(appointments.create(anonymousCaller, { patientId: patients[0] }))).toBe("invalid_slot_id");
    const [slotId] = await fixture.slots(1);
    expect(await failureCode(appointments.create(anonymousCaller, { slotId, patientId: "42" }))).toBe("invalid_patient_id");
    expect(await failureCode(appointments.confirm(anonymousCaller, "x"))).toBe("invalid_appointment_id");
    expect(await failureCode(appointments.cancel(anonymousCaller, undefined))).toBe("invalid_appointment_id");
    expect(await failureCode(appointments.get(anonymousCaller, "'; DROP TABLE appointments; --"))).toBe("invalid_appointment_id");
    expect(await failureCode(appointments.listEvents(anonymousCaller, ""))).toBe("invalid_appointment_id");
    expect(await failureCode(appointments.list(anonymousCaller, {}))).toBe("missing_filter");
    expect(await failureCode(appointments.list(anonymousCaller, { patientId: "nope" }))).toBe("invalid_patient_id");
    expect(await failureCode(appointments.list(anonymousCaller, { slotId: "nope" }))).toBe("invalid_slot_id");
  });

  it("leaves nothing half-written when a hold is refused", async () => {
    const [slotId] = await fixture.slots(1);
    await appointments.create(anonymousCaller, { slotId, patientId: patients[3] });
    const { rows: before } = await fixture.admin.query(`SELECT count(*)::int AS n FROM event_logs`);
    expect(await failureCode(appointments.create(anonymousCaller, { slotId, patientId: patients[4] }))).toBe("slot_already_booked");
    const { rows: after } = await fixture.admin.query(`SELECT count(*)::int AS n FROM event_logs`);
    expect(after[0].n).toBe(before[0].n);
  });
});

describe("expiry", () => {
  it("frees a slot the moment a 1-second hold lapses, with no worker run, and refuses to confirm it then", async () => {
    const shortHolds = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), holdTtlMs: 1_000 });
    const [slotId] = await fixture.slots(1);
    const lapsing = await shortHolds.create(anonymousCaller, { slotId, patientId: patients[5] });
    expect(await failureCode(appointments.create(anonymousCaller, { slotId, patientId: patients[6] }))).toBe("slot_already_booked");

    await sleep(Math.max(0, lapsing.expiresAt!.getTime() - Date.now()) + 50);
    const next = await appointments.create(anonymousCaller, { slotId, patientId: patients[6] });
    expect(next.status).toBe("pending");
    expect(await failureCode(appointments.confirm(anonymousCaller, lapsing.id))).toBe("appointment_expired");
    // The booking itself recorded the end of the lapsed hold.
    expect(await eventTypes(lapsing.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_EXPIRED"]);
  });

  it("lets a patient hold a slot again right after their own hold lapsed", async () => {
    const shortHolds = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), holdTtlMs: 200 });
    const [slotId] = await fixture.slots(1);
    const first = await shortHolds.create(anonymousCaller, { slotId, patientId: patients[7] });
    await sleep(Math.max(0, first.expiresAt!.getTime() - Date.now()) + 50);
    const second = await appointments.create(anonymousCaller, { slotId, patientId: patients[7] });
    expect(second.id).not.toBe(first.id);
    expect((await appointments.get(anonymousCaller, first.id)).status).toBe("expired");
  });

  it("expires lapsed holds in batches and reports how many", async () => {
    const shortHolds = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), holdTtlMs: 100 });
    const slotIds = await fixture.slots(5);
    const holds = await Promise.all(slotIds.map((slotId, index) => shortHolds.create(anonymousCaller, { slotId, patientId: patients[10 + index] })));
    await sleep(Math.max(...holds.map((hold) => hold.expiresAt!.getTime())) - Date.now() + 50);
    expect(await fixture.expiry().expireLapsedHolds({ batchSize: 2 })).toEqual({ expired: 5, interrupted: false });
    expect(await fixture.expiry().expireLapsedHolds({ batchSize: 2 })).toEqual({ expired: 0, interrupted: false });
    for (const hold of holds) {
      expect(await eventTypes(hold.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_EXPIRED"]);
    }
  });
});

describe("transitions", () => {
  it("confirms a hold; confirming again answers success with the appointment unchanged", async () => {
    const [slotId] = await fixture.slots(1);
    const hold = await appointments.create(anonymousCaller, { slotId, patientId: patients[20] });
    const confirmed = await appointments.confirm(anonymousCaller, hold.id);
    expect(confirmed).toMatchObject({ id: hold.id, status: "confirmed", expiresAt: null });
    expect(await appointments.confirm(anonymousCaller, hold.id)).toEqual(confirmed);
    expect(await eventTypes(hold.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CONFIRMED"]);
  });

  it("cancelling a confirmed appointment frees its capacity", async () => {
    const [slotId] = await fixture.slots(1);
    const hold = await appointments.create(anonymousCaller, { slotId, patientId: patients[21] });
    await appointments.confirm(anonymousCaller, hold.id);
    expect(await failureCode(appointments.create(anonymousCaller, { slotId, patientId: patients[22] }))).toBe("slot_already_booked");
    const cancelled = await appointments.cancel(anonymousCaller, hold.id);
    expect(cancelled).toMatchObject({ status: "cancelled", expiresAt: null });
    await appointments.create(anonymousCaller, { slotId, patientId: patients[22] });
    expect(await eventTypes(hold.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CONFIRMED", "APPOINTMENT_CANCELLED"]);
    const [, cancelEvent] = (await appointments.listEvents(anonymousCaller, hold.id)).slice(1);
    expect(cancelEvent!.payload).toMatchObject({ from: "confirmed", to: "cancelled" });
  });

  it("refuses every illegal transition, and final states stay final", async () => {
    const shortHolds = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), holdTtlMs: 100 });
    const [a, b] = await fixture.slots(2);
    const cancelledHold = await appointments.create(anonymousCaller, { slotId: a, patientId: patients[23] });
    await appointments.cancel(anonymousCaller, cancelledHold.id);
    expect(await failureCode(appointments.confirm(anonymousCaller, cancelledHold.id))).toBe("invalid_status_transition");
    expect(await appointments.cancel(anonymousCaller, cancelledHold.id)).toMatchObject({ status: "cancelled" });

    const expiring = await shortHolds.create(anonymousCaller, { slotId: b, patientId: patients[24] });
    await sleep(Math.max(0, expiring.expiresAt!.getTime() - Date.now()) + 50);
    expect(await failureCode(appointments.confirm(anonymousCaller, expiring.id))).toBe("appointment_expired");
    await fixture.expiry().expireLapsedHolds();
    expect(await failureCode(appointments.confirm(anonymousCaller, expiring.id))).toBe("appointment_expired");
    expect(await failureCode(appointments.cancel(anonymousCaller, expiring.id))).toBe("invalid_status_transition");
    expect(await eventTypes(cancelledHold.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_CANCELLED"]);
    expect(await eventTypes(expiring.id)).toEqual(["APPOINTMENT_CREATED", "APPOINTMENT_EXPIRED"]);
  });

  it("answers appointment_not_found for an unknown appointment", async () => {
    const unknown = "00000000-0000-4000-8000-00000000000f";
    expect(await failureCode(appointments.confirm(anonymousCaller, unknown))).toBe("appointment_not_found");
    expect(await failureCode(appointments.cancel(anonymousCaller, unknown))).toBe("appointment_not_found");
    expect(await failureCode(appointments.get(anonymousCaller, unknown))).toBe("appointment_not_found");
    expect(await failureCode(appointments.listEvents(anonymousCaller, unknown))).toBe("appointment_not_found");
  });
});

describe("reads", () => {
  it("gets an appointment with its slot, patient and clinician", async () => {
    const [slotId] = await fixture.slots(1, 2);
    const hold = await appointments.create(anonymousCaller, { slotId, patientId: patients[30] });
    const details = await appointments.get(anonymousCaller, hold.id);
    expect(details).toMatchObject({
      id: hold.id,
      status: "pending",
      expiresAt: hold.expiresAt,
      slot: { id: slotId, clinicianId: fixture.clinicianId, status: "open", capacity: 2, available: 1 },
      patient: { id: patients[30], name: "Patient 31", email: "patient31@example.org" },
      clinician: { id: fixture.clinicianId, name: "Dr Fixture", specialty: "cardiology" },
    });
  });

  it("lists a patient's appointments newest first with paging, and a slot's in booking order", async () => {
    const patientId = patients[31]!;
    const slotIds = await fixture.slots(5, 3);
    const made = [];
    for (const slotId of slotIds) made.push(await appointments.create(anonymousCaller, { slotId, patientId }));
    const firstPage = await appointments.list(anonymousCaller, { patientId, limit: 2 });
    expect(firstPage.total).toBe(5);
    expect(firstPage.appointments.map((a) => a.id)).toEqual([made[4]!.id, made[3]!.id]);
    const lastPage = await appointments.list(anonymousCaller, { patientId, limit: 2, offset: 4 });
    expect(lastPage.appointments.map((a) => a.id)).toEqual([made[0]!.id]);
    expect(await appointments.list(anonymousCaller, { patientId, offset: 50 })).toEqual({ appointments: [], total: 5 });
    expect((await appointments.list(anonymousCaller, { patientId })).appointments).toHaveLength(5);
    await expectFailure(appointments.list(anonymousCaller, { patientId, limit: 0 }), "invalid_argument");
    await expectFailure(appointments.list(anonymousCaller, { patientId, offset: -1 }), "invalid_argument");

    const others = [await appointments.create(anonymousCaller, { slotId: slotIds[0], patientId: patients[32] })];
    const bySlot = await appointments.list(anonymousCaller, { slotId: slotIds[0] });
    expect(bySlot.total).toBe(2);
    expect(bySlot.appointments.map((a) => a.id)).toEqual([made[0]!.id, others[0]!.id]);
  });
});

describe("idempotent creates", () => {
  it("replays the first answer for the same key and request, and creates nothing new", async () => {
    const [slotId] = await fixture.slots(1, 2);
    const key = uniqueKey();
    const first = await appointments.create(anonymousCaller, { slotId, patientId: patients[40] }, { idempotencyKey: key });
    const again = await appointments.create(anonymousCaller, { slotId, patientId: patients[40] }, { idempotencyKey: key });
    expect(again).toEqual(first);
    expect((await appointments.list(anonymousCaller, { slotId })).total).toBe(1);
  });

  it("rejects the same key with a different request as idempotency_key_reused", async () => {
    const [slotId, other] = await fixture.slots(2);
    const key = uniqueKey();
    await appointments.create(anonymousCaller, { slotId, patientId: patients[41] }, { idempotencyKey: key });
    expect(await failureCode(appointments.create(anonymousCaller, { slotId: other, patientId: patients[41] }, { idempotencyKey: key }))).toBe(
      "idempotency_key_reused",
    );
  });

  it("replays a refusal too, but not a failure worth retrying", async () => {
    const [slotId] = await fixture.slots(1);
    await appointments.create(anonymousCaller, { slotId, patientId: patients[42] });
    const key = uniqueKey();
    expect(await failureCode(appointments.create(anonymousCaller, { slotId, patientId: patients[43] }, { idempotencyKey: key }))).toBe("slot_already_booked");
    const { rows } = await fixture.admin.query(`SELECT id FROM appointments WHERE slot_id = $1`, [slotId]);
    await appointments.cancel(anonymousCaller, rows[0].id);
    // The slot is free now, but the key's first answer stands.
    expect(await failureCode(appointments.create(anonymousCaller, { slotId, patientId: patients[43] }, { idempotencyKey: key }))).toBe("slot_already_booked");
  });

  it("scopes keys to the caller", async () => {
    const [slotId] = await fixture.slots(1, 2);
    const key = uniqueKey();
    const alice: Caller = { subject: "alice", role: "staff" };
    const bob: Caller = { subject: "bob", role: "staff" };
    const mine = await appointments.create(alice, { slotId, patientId: patients[44] }, { idempotencyKey: key });
    const theirs = await appointments.create(bob, { slotId, patientId: patients[45] }, { idempotencyKey: key });
    expect(theirs.id).not.toBe(mine.id);
  });

  it("under 50 simultaneous retries of one key creates exactly one appointment; the others replay it or are told it is in use", async () => {
    const [slotId] = await fixture.slots(1, 5);
    const key = uniqueKey();
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () =>
        appointments.create(anonymousCaller, { slotId, patientId: patients[46] }, { idempotencyKey: key }).then(
          (appointment) => appointment.id,
          (error: SchedError) => error.code,
        ),
      ),
    );
    const ids = new Set(outcomes.filter((outcome) => outcome !== "idempotency_key_in_use"));
    expect(ids.size).toBe(1);
    const { rows } = await fixture.admin.query(`SELECT id FROM appointments WHERE slot_id = $1`, [slotId]);
    expect(rows.map((row) => row.id)).toEqual([...ids]);
  });
});
