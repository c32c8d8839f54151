import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { anonymousCaller, type Caller } from "../src/core/access/caller.js";
import type { Appointments } from "../src/core/services/appointments.js";
import { BookingFixture, cleanAudit } from "./support/booking-fixture.js";

/*
 * Every statement of the service that writes an event names the event's slot
 * itself. The schema's trigger that looks the slot up (migration 0012) is a
 * net for plain SQL, and each event that needs it pays a PL/pgSQL call and a
 * read of the appointment; with the trigger off here, an event without its
 * slot would break the column's NOT NULL and fail the change.
 */

let fixture: BookingFixture;
let appointments: Appointments;
const staff: Caller = { subject: "front-desk-3", role: "staff" };

beforeAll(async () => {
  fixture = await BookingFixture.create("events_name_their_slot", 5);
  appointments = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }) });
  await fixture.admin.query("ALTER TABLE event_logs DISABLE TRIGGER event_logs_slot_at_write");
});

afterAll(async () => {
  await fixture.close();
});

describe("the events of every change, without the schema's look-up of their slot", () => {
  it("name the appointment's slot, and a move's the slot it moved to", async () => {
    const [visited, missed, cancelled, movedFrom, movedTo] = await fixture.slots(5);
    const [first, second, third, fourth] = fixture.patientIds;
    const booked = async (slotId: string, patientId: string) =>
      appointments.confirm(anonymousCaller, (await appointments.create(anonymousCaller, { slotId, patientId })).id);

    const visit = await booked(visited!, first!);
    await appointments.checkIn(staff, visit.id);
    await appointments.complete(staff, visit.id);
    const noShow = await booked(missed!, second!);
    // The slot starts: a no-show is recorded only after its start.
    await fixture.admin.query(
      `UPDATE appointment_slots SET start_time = now() - interval '40 days', end_time = now() - interval '40 days' + interval '30 minutes' WHERE id = $1`,
      [missed],
    );
    await appointments.markNoShow(staff, noShow.id);
    const hold = await appointments.create(anonymousCaller, { slotId: cancelled!, patientId: third! });
    await appointments.cancel(anonymousCaller, hold.id);
    const moving = await booked(movedFrom!, fourth!);
    await appointments.reschedule(staff, { id: moving.id, slotId: movedTo! });

    const { rows } = await fixture.admin.query<{ appointment_id: string; event_type: string; slot_id: string }>(
      `SELECT appointment_id, event_type::text, slot_id FROM event_logs ORDER BY id`,
    );
    expect(rows.map((row) => [row.appointment_id, row.event_type, row.slot_id])).toEqual([
      [visit.id, "APPOINTMENT_CREATED", visited],
      [visit.id, "APPOINTMENT_CONFIRMED", visited],
      [visit.id, "APPOINTMENT_CHECKED_IN", visited],
      [visit.id, "APPOINTMENT_COMPLETED", visited],
      [noShow.id, "APPOINTMENT_CREATED", missed],
      [noShow.id, "APPOINTMENT_CONFIRMED", missed],
      [noShow.id, "APPOINTMENT_NO_SHOW", missed],
      [hold.id, "APPOINTMENT_CREATED", cancelled],
      [hold.id, "APPOINTMENT_CANCELLED", cancelled],
      [moving.id, "APPOINTMENT_CREATED", movedFrom],
      [moving.id, "APPOINTMENT_CONFIRMED", movedFrom],
      [moving.id, "APPOINTMENT_RESCHEDULED", movedTo],
    ]);
    expect(await fixture.audit()).toEqual(cleanAudit);
  });
});
