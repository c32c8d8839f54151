import type pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { createPool } from "../src/adapters/postgres/pool.js";
import { PostgresAppointmentStore } from "../src/adapters/postgres/postgres-appointment-store.js";
import { PostgresIdempotencyStore } from "../src/adapters/postgres/postgres-idempotency-store.js";
import { PostgresSlotStore } from "../src/adapters/postgres/postgres-slot-store.js";
import { PostgresWaitlistStore } from "../src/adapters/postgres/postgres-waitlist-store.js";
import { auditWaitlist, cleanWaitlistAudit } from "../src/adapters/postgres/tooling/audit-waitlist.js";
import { waitlistSessionSettings } from "../src/adapters/postgres/waitlist-settings.js";
import { anonymousCaller, type Caller } from "../src/core/access/caller.js";
import { failureCode } from "./support/expect-failure.js";
import type { WaitlistEntry } from "../src/core/model/waitlist.js";
import { Appointments } from "../src/core/services/appointments.js";
import { HoldExpiry } from "../src/core/services/hold-expiry.js";
import { Slots } from "../src/core/services/slots.js";
import { Waitlist } from "../src/core/services/waitlist.js";
import { BookingFixture, cleanAudit } from "./support/booking-fixture.js";

// The waiting list through the core over the real database: entries, and an
// offer in the transaction of every change that frees a place (a cancel, an
// expiry by the worker and by a booking's sweep, a move away, a larger
// capacity, an unblocked slot, a lapsed or cancelled offer), each test ending
// with the invariant audit and the waiting list's own.

const holdCap = 3;
let fixture: BookingFixture;
let pools: pg.Pool[] = [];
let patients: string[];

const staff: Caller = { subject: "front-desk-2", role: "staff" };
const service: Caller = { subject: "ward-system", role: "service" };
const patientCaller = (patientId: string): Caller => ({ subject: patientId, role: "patient" });

/** The services of one server process, whose sessions carry the waiting list's settings as `sched serve` gives them. */
function instance(options: { offerTtlMs?: number; holdTtlMs?: number } = {}) {
  const pool = createPool(fixture.database.dsn, {
    max: 4,
    sessionSettings: waitlistSessionSettings({ offerTtlMs: options.offerTtlMs ?? 15 * 60_000, holdCap }),
  });
  pools.push(pool);
  const store = new PostgresAppointmentStore(pool);
  return {
    appointments: new Appointments({
      store,
      idempotency: new PostgresIdempotencyStore(pool),
      lock: new InProcessSlotLock({ lockTtlMs: 5_000 }),
      holdTtlMs: options.holdTtlMs ?? 10 * 60_000,
      maxActiveHoldsPerPatient: holdCap,
    }),
    waitlist: new Waitlist(new PostgresWaitlistStore(pool)),
    slots: new Slots({ store: new PostgresSlotStore(pool), horizonDays: 3650 }),
    expiry: new HoldExpiry(store),
  };
}

let api: ReturnType<typeof instance>;

beforeAll(async () => {
  fixture = await BookingFixture.create("waitlist", 40);
  patients = fixture.patientIds;
  api = instance();
});

afterEach(async () => {
  expect(await fixture.audit()).toEqual(cleanAudit);
  expect(await auditWaitlist(fixture.admin, { holdCap })).toEqual(cleanWaitlistAudit);
});

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  pools = [];
  await fixture.close();
});

let nextPatient = 0;
/** A patient no other test has used, so that hold caps and entries never meet across tests. */
function freshPatient(): string {
  const id = patients[nextPatient];
  nextPatient += 1;
  if (id === undefined) throw new Error("the fixture ran out of patients");
  return id;
}

async function trail(id: string): Promise<{ type: string; role: string }[]> {
  return (await api.appointments.listEvents(anonymousCaller, id)).map((event) => ({ type: event.eventType, role: event.actor.role }));
}

async function booked(slotId: string, patientId: string) {
  const hold = await api.appointments.create(anonymousCaller, { slotId, patientId });
  return api.appointments.confirm(anonymousCaller, hold.id);
}

async function entry(id: string) {
  const { rows } = await fixture.admin.query<{ status: string; appointment_id: string | null }>(
    "SELECT status, appointment_id FROM waitlist_entries WHERE id = $1",
    [id],
  );
  return rows[0]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("entries", () => {
  it("joins a full slot and waits; one entry per patient and slot; leaving is final and safe to retry", async () => {
    const [slotId] = await fixture.slots(1);
    await booked(slotId!, freshPatient());
    const patientId = freshPatient();
    const joined = await api.waitlist.join(patientCaller(patientId), { patientId, slotId });
    expect(joined).toMatchObject({ patientId, slotId, clinicianId: null, priority: 0, status: "waiting", appointmentId: null });
    expect(await failureCode(api.waitlist.join(patientCaller(patientId), { patientId, slotId }))).toBe("waitlist_entry_exists");

    const left = await api.waitlist.leave(patientCaller(patientId), joined.id);
    expect(left.status).toBe("left");
    expect((await api.waitlist.leave(patientCaller(patientId), joined.id)).status).toBe("left");
    // Having left, the patient may join again, at the back.
    expect((await api.waitlist.join(patientCaller(patientId), { patientId, slotId })).status).toBe("waiting");
  });

  it("a patient acts and sees only for itself; only staff set a priority", async () => {
    const [slotId] = await fixture.slots(1);
    await booked(slotId!, freshPatient());
    const [me, other] = [freshPatient(), freshPatient()];
    expect(await failureCode(api.waitlist.join(patientCaller(me), { patientId: other, slotId }))).toBe("permission_denied");
    expect(await failureCode(api.waitlist.join(patientCaller(me), { patientId: me, slotId, priority: 5 }))).toBe("permission_denied");
    expect(await failureCode(api.waitlist.join(service, { patientId: me, slotId, priority: 5 }))).toBe("permission_denied");
    expect(await failureCode(api.waitlist.join(staff, { patientId: me, slotId, priority: 101 }))).toBe("invalid_argument");

    const mine = await api.waitlist.join(patientCaller(me), { patientId: me, slotId });
    const theirs = await api.waitlist.join(staff, { patientId: other, slotId, priority: 7 });
    expect(theirs.priority).toBe(7);

    // Queue order: highest priority first, then oldest.
    expect((await api.waitlist.list(service, { slotId })).entries.map((e) => e.id)).toEqual([theirs.id, mine.id]);
    expect((await api.waitlist.list(patientCaller(me), { slotId })).entries.map((e) => e.id)).toEqual([mine.id]);
    expect((await api.waitlist.list(staff, { clinicianId: fixture.clinicianId })).entries.map((e) => e.id)).toEqual(
      expect.arrayContaining([theirs.id, mine.id]),
    );
    expect(await failureCode(api.waitlist.list(patientCaller(me), { patientId: other }))).toBe("permission_denied");
    expect(await failureCode(api.waitlist.list(staff, {}))).toBe("missing_filter");
    expect(await failureCode(api.waitlist.leave(patientCaller(me), theirs.id))).toBe("permission_denied");
    expect(await failureCode(api.waitlist.leave(staff, "00000000-0000-4000-8000-000000000000"))).toBe("waitlist_entry_not_found");
  });

  it("refuses what cannot be waited for", async () => {
    const patientId = freshPatient();
    const [started] = await fixture.slots(1);
    await fixture.admin.query(
      "UPDATE appointment_slots SET start_time = now() - interval '400 days', end_time = now() - interval '400 days' + interval '30 minutes' WHERE id = $1",
      [started],
    );
    expect(await failureCode(api.waitlist.join(staff, { patientId, slotId: started }))).toBe("slot_in_past");
    expect(await failureCode(api.waitlist.join(staff, { patientId, slotId: "00000000-0000-4000-8000-000000000000" }))).toBe("slot_not_found");
    const past = { from: new Date(Date.now() - 7_200_000), to: new Date(Date.now() - 3_600_000) };
    expect(await failureCode(api.waitlist.join(staff, { patientId, clinicianId: fixture.clinicianId, ...past }))).toBe("invalid_time_range");
    expect(await failureCode(api.waitlist.join(staff, { patientId, clinicianId: fixture.clinicianId, from: new Date(), to: new Date(0) }))).toBe(
      "invalid_time_range",
    );
    expect(await failureCode(api.waitlist.join(staff, { patientId }))).toBe("missing_filter");
  });

  it("joining a target with a free place is offered it at once", async () => {
    const [slotId] = await fixture.slots(1);
    const patientId = freshPatient();
    const joined = await api.waitlist.join(patientCaller(patientId), { patientId, slotId });
    expect(joined.status).toBe("offered");
    const offer = await api.appointments.get(staff, joined.appointmentId!);
    expect(offer).toMatchObject({ status: "pending", patient: { id: patientId }, slot: { id: slotId } });
  });
});

describe("offers", () => {
  it("a cancel offers the place to the highest priority, then the oldest, in its own transaction; confirming accepts it", async () => {
    const [slotId] = await fixture.slots(1);
    const holder = await booked(slotId!, freshPatient());
    const [first, second, urgent] = [freshPatient(), freshPatient(), freshPatient()];
    const firstEntry = await api.waitlist.join(staff, { patientId: first, slotId });
    const secondEntry = await api.waitlist.join(staff, { patientId: second, slotId });
    const urgentEntry = await api.waitlist.join(staff, { patientId: urgent, slotId, priority: 10 });

    const before = Date.now();
    await api.appointments.cancel(anonymousCaller, holder.id);
    const offered = await entry(urgentEntry.id);
    expect(offered.status).toBe("offered");
    expect((await entry(firstEntry.id)).status).toBe("waiting");
    expect((await entry(secondEntry.id)).status).toBe("waiting");
    const offer = await api.appointments.get(staff, offered.appointment_id!);
    expect(offer).toMatchObject({ status: "pending", patient: { id: urgent }, slot: { id: slotId, available: 0 } });
    // WAITLIST_OFFER_TTL, 15 minutes here.
    expect(offer.expiresAt!.getTime()).toBeGreaterThan(before + 14 * 60_000);
    expect(await trail(offer.id)).toEqual([
      { type: "APPOINTMENT_CREATED", role: "system" },
      { type: "WAITLIST_OFFERED", role: "system" },
    ]);
    const [offeredEvent] = (await api.appointments.listEvents(staff, offer.id)).slice(1);
    expect(offeredEvent!.payload).toMatchObject({ waitlist_entry_id: urgentEntry.id, slot_id: slotId, patient_id: urgent, priority: 10 });

    await api.appointments.confirm(patientCaller(urgent), offer.id);
    expect((await entry(urgentEntry.id)).status).toBe("accepted");
    expect((await api.waitlist.list(patientCaller(urgent), { patientId: urgent })).entries[0]!.status).toBe("accepted");
  });

  it("a cancelled offer goes to the next entry, and the entry that declined is not queued again", async () => {
    const [slotId] = await fixture.slots(1);
    const holder = await booked(slotId!, freshPatient());
    const [first, second] = [freshPatient(), freshPatient()];
    const firstEntry = await api.waitlist.join(staff, { patientId: first, slotId });
    const secondEntry = await api.waitlist.join(staff, { patientId: second, slotId });
    await api.appointments.cancel(anonymousCaller, holder.id);
    const firstOffer = (await entry(firstEntry.id)).appointment_id!;
    expect(await failureCode(api.waitlist.leave(patientCaller(first), firstEntry.id))).toBe("invalid_status_transition");

    await api.appointments.cancel(patientCaller(first), firstOffer);
    expect(await entry(firstEntry.id)).toMatchObject({ status: "lapsed", appointment_id: firstOffer });
    const secondOffer = await entry(secondEntry.id);
    expect(secondOffer.status).toBe("offered");
    expect((await api.appointments.get(staff, secondOffer.appointment_id!)).patient.id).toBe(second);
  });

  it("an offer that lapses goes to the next entry when the expiry worker marks it", async () => {
    const quick = instance({ offerTtlMs: 300 });
    const [slotId] = await fixture.slots(1);
    const holder = await booked(slotId!, freshPatient());
    const [first, second] = [freshPatient(), freshPatient()];
    const firstEntry = await quick.waitlist.join(staff, { patientId: first, slotId });
    const secondEntry = await quick.waitlist.join(staff, { patientId: second, slotId });
    await quick.appointments.cancel(anonymousCaller, holder.id);
    expect((await entry(firstEntry.id)).status).toBe("offered");

    await sleep(400);
    await quick.expiry.expireLapsedHolds();
    expect((await entry(firstEntry.id)).status).toBe("lapsed");
    expect((await entry(secondEntry.id)).status).toBe("offered");
    // The second offer lapses too; with nobody left waiting the place stays free.
    await sleep(400);
    await quick.expiry.expireLapsedHolds();
    expect((await entry(secondEntry.id)).status).toBe("lapsed");
    expect(await fixture.occupants(slotId!)).toBe(0);
  });

  it("a booking whose sweep expires a lapsed hold leaves the freed place to the waiting list", async () => {
    const brief = instance({ holdTtlMs: 300 });
    const [slotId] = await fixture.slots(1);
    await brief.appointments.create(anonymousCaller, { slotId, patientId: freshPatient() });
    const waiter = freshPatient();
    const waiting = await api.waitlist.join(staff, { patientId: waiter, slotId });
    expect(waiting.status).toBe("waiting");
    await sleep(400);

    const poller = freshPatient();
    expect(await failureCode(api.appointments.create(anonymousCaller, { slotId, patientId: poller }))).toBe("slot_already_booked");
    expect((await entry(waiting.id)).status).toBe("offered");
    const { rows } = await fixture.admin.query("SELECT patient_id FROM appointments WHERE slot_id = $1 AND status = 'pending'", [slotId]);
    expect(rows).toEqual([{ patient_id: waiter }]);
  });

  it("a move away offers the place it leaves", async () => {
    const [from, to] = await fixture.slots(2);
    const mover = await booked(from!, freshPatient());
    const waiter = freshPatient();
    const waiting = await api.waitlist.join(staff, { patientId: waiter, slotId: from });
    await api.appointments.reschedule(anonymousCaller, { id: mover.id, slotId: to });
    const offered = await entry(waiting.id);
    expect(offered.status).toBe("offered");
    expect((await api.appointments.get(staff, offered.appointment_id!)).slot.id).toBe(from);
  });

  it("a larger capacity offers each new place, and an unblocked slot its free places", async () => {
    const [slotId] = await fixture.slots(1);
    await booked(slotId!, freshPatient());
    const waiters = [freshPatient(), freshPatient(), freshPatient()];
    const entries: WaitlistEntry[] = [];
    for (const patientId of waiters) entries.push(await api.waitlist.join(staff, { patientId, slotId }));
    // No RPC changes a capacity; schedules and scripts do, and the trigger sees them all.
    await fixture.admin.query("UPDATE appointment_slots SET capacity = 3 WHERE id = $1", [slotId]);
    expect(await Promise.all(entries.map(async (e) => (await entry(e.id)).status))).toEqual(["offered", "offered", "waiting"]);

    const [blockedSlot] = await fixture.slots(1);
    const holder = await booked(blockedSlot!, freshPatient());
    await api.slots.blockSlot(staff, blockedSlot);
    const patient = freshPatient();
    const waiting = await api.waitlist.join(staff, { patientId: patient, slotId: blockedSlot });
    await api.appointments.cancel(anonymousCaller, holder.id);
    expect((await entry(waiting.id)).status).toBe("waiting");
    await api.slots.unblockSlot(staff, blockedSlot);
    expect((await entry(waiting.id)).status).toBe("offered");
  });

  it("a clinician's window is offered a freed slot that starts inside it, and not one outside", async () => {
    const [outside, inside] = await fixture.slots(2);
    const { rows } = await fixture.admin.query<{ start_time: Date }>("SELECT start_time FROM appointment_slots WHERE id = $1", [inside]);
    const start = rows[0]!.start_time;
    const outsideHolder = await booked(outside!, freshPatient());
    const insideHolder = await booked(inside!, freshPatient());
    const patientId = freshPatient();
    const waiting = await api.waitlist.join(patientCaller(patientId), {
      patientId,
      clinicianId: fixture.clinicianId,
      from: start,
      to: new Date(start.getTime() + 60_000),
    });
    expect(waiting.status).toBe("waiting");
    await api.appointments.cancel(anonymousCaller, outsideHolder.id);
    expect((await entry(waiting.id)).status).toBe("waiting");
    await api.appointments.cancel(anonymousCaller, insideHolder.id);
    const offered = await entry(waiting.id);
    expect(offered.status).toBe("offered");
    expect((await api.appointments.get(staff, offered.appointment_id!)).slot.id).toBe(inside);
    // The freed place outside the window is free, with nobody waiting for it.
    expect(await fixture.occupants(outside!)).toBe(0);
  });

  it("skips a patient already in the slot and one at the hold cap; a slot that has started gets no offer", async () => {
    const [slotId] = await fixture.slots(1, 2);
    const [holderA, inSlot, capped, next] = [freshPatient(), freshPatient(), freshPatient(), freshPatient()];
    const a = await booked(slotId!, holderA);
    const inSlotEntry = await api.waitlist.join(staff, { patientId: inSlot, slotId });
    // inSlot's entry is offered the second place at once; it now has a place in the slot.
    expect((await entry(inSlotEntry.id)).status).toBe("offered");
    for (const other of await fixture.slots(holdCap)) await api.appointments.create(anonymousCaller, { slotId: other, patientId: capped });
    const cappedEntry = await api.waitlist.join(staff, { patientId: capped, slotId });
    // Another entry of inSlot's, for the clinician's time around this slot, ahead of next's in the queue.
    const { rows } = await fixture.admin.query<{ start_time: Date }>("SELECT start_time FROM appointment_slots WHERE id = $1", [slotId]);
    const windowEntry = await api.waitlist.join(staff, {
      patientId: inSlot,
      clinicianId: fixture.clinicianId,
      from: rows[0]!.start_time,
      to: new Date(rows[0]!.start_time.getTime() + 60_000),
    });
    const nextEntry = await api.waitlist.join(staff, { patientId: next, slotId });

    await api.appointments.cancel(anonymousCaller, a.id);
    expect((await entry(windowEntry.id)).status).toBe("waiting");
    expect((await entry(cappedEntry.id)).status).toBe("waiting");
    expect((await entry(nextEntry.id)).status).toBe("offered");

    const [started] = await fixture.slots(1);
    const early = await booked(started!, freshPatient());
    const late = await api.waitlist.join(staff, { patientId: freshPatient(), slotId: started });
    await fixture.admin.query(
      "UPDATE appointment_slots SET start_time = now() - interval '500 days', end_time = now() - interval '500 days' + interval '30 minutes' WHERE id = $1",
      [started],
    );
    await api.appointments.cancel(anonymousCaller, early.id);
    expect((await entry(late.id)).status).toBe("waiting");
    // Nothing else can reach that entry: leave it, so that the audit of free places has nothing to say about the past.
    await api.waitlist.leave(staff, late.id);
    await api.waitlist.leave(staff, windowEntry.id);
    await api.waitlist.leave(staff, cappedEntry.id);
  });
});
