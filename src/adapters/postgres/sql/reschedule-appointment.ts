import { SchedError } from "../../../core/errors.js";
import type { Actor } from "../../../core/access/caller.js";
import type { Move, MoveOutcome } from "../../../core/model/appointment.js";
import type { SlotStatus } from "../../../core/model/slot.js";
import type { Queryable } from "../pool.js";
import { toAppointment, type AppointmentRow } from "../rows/appointment-row.js";
import { occupiesSlotSql } from "../rows/slot-row.js";
import { fullSlot } from "./create-hold.js";

/*
 * A move in one statement: the appointment takes its place in the new slot
 * and so leaves the old one, in one UPDATE of its slot_id: both or neither,
 * whatever fails or dies. Nothing else frees the old place, and nothing is
 * needed: everything that counts a slot's occupants counts the appointments
 * whose slot_id it is (occupiesSlotSql).
 *
 * 1. `moving` locks the appointment (and, when $3 names a patient, only that
 *    patient's), like every change of an appointment, before any slot.
 * 2. `locked_slots` locks the old and the new slot's rows in id order. Two
 *    moves that cross between the same two slots, or anything else that
 *    takes both, queue in the same order and never deadlock; whatever a
 *    place freed in the old slot leads to later runs under its lock.
 * 3. `checks` decides the answer, with a booking's checks for the new slot:
 *    it exists, is open and has not started, the patient has no place in it
 *    yet, and its occupants leave room, or staff gave an overbooking reason
 *    ($7) and the slot has fewer than $8 overbooked places (OVERBOOK_LIMIT),
 *    handed to the capacity guard like a booking's. Only a live hold or a
 *    confirmed appointment moves; to its own slot, nothing changes.
 * 4. `moved` moves it: a hold keeps its status with a fresh lifetime of $4
 *    ms, a booking stays confirmed, and its marker says whether it took an
 *    overbooked place. The schema's capacity guard then takes the new slot's
 *    row lock (already held) and recounts with a fresh snapshot, as for a
 *    booking, and refuses what a concurrent change left no room for; for a
 *    move with a reason it decides the marker from that count instead
 *    (migrations/0011), as for a booking: the slot's row lock taken above
 *    does not refresh this statement's snapshot.
 * 5. `moved_event` records APPOINTMENT_RESCHEDULED with both slots and the
 *    caller ($5, $6), and for an overbooking its reason and the occupancy
 *    the capacity guard met (sched.occupants_met).
 */
const text = `
WITH moving AS (
  SELECT a.id, a.slot_id, a.patient_id, a.status, a.created_at, a.updated_at, a.expires_at, a.overbooked
    FROM appointments a
   WHERE a.id = $1 AND ($3::uuid IS NULL OR a.patient_id = $3::uuid)
     FOR UPDATE
), locked_slots AS (
  SELECT s.id FROM appointment_slots s
   WHERE s.id IN ((SELECT m.slot_id FROM moving m), $2::uuid)
   ORDER BY s.id
     FOR NO KEY UPDATE
), checks AS (
  SELECT m.*,
         m.slot_id = $2::uuid AS same_slot,
         (m.status = 'confirmed' OR (m.status = 'pending' AND m.expires_at > now())) AS movable,
         (m.status = 'pending' AND m.expires_at <= now()) AS lapsed,
         t.status AS to_status,
         t.capacity AS to_capacity,
         t.start_time <= now() AS to_in_past,
         (SELECT count(*) FROM locked_slots)::int AS locked,
         set_config('sched.overbook_limit', $8::int::text, true) AS limit_set,
         (SELECT count(*) FROM appointments o
           WHERE o.slot_id = $2::uuid AND ${occupiesSlotSql("o")})::int AS occupants,
         (SELECT count(*) FROM appointments o
           WHERE o.slot_id = $2::uuid AND o.overbooked AND ${occupiesSlotSql("o")})::int AS overbooked_places,
         EXISTS (SELECT 1 FROM appointments d
                  WHERE d.slot_id = $2::uuid AND d.patient_id = m.patient_id AND d.id <> m.id
                    AND ${occupiesSlotSql("d")}) AS already_held
    FROM moving m
    LEFT JOIN appointment_slots t ON t.id = $2::uuid
), moved AS (
  UPDATE appointments a
     SET slot_id = $2::uuid,
         expires_at = CASE WHEN c.status = 'pending' THEN now() + $4::int * interval '1 millisecond' END,
         overbooked = c.occupants >= c.to_capacity,
         updated_at = now()
    FROM checks c
   WHERE a.id = c.id AND c.movable AND NOT c.same_slot
     AND c.to_status = 'open' AND NOT c.to_in_past AND NOT c.already_held
     AND c.locked > 0 AND c.limit_set IS NOT NULL
     AND (c.occupants < c.to_capacity OR ($7::text IS NOT NULL AND c.overbooked_places < $8::int))
  RETURNING a.id, a.slot_id, a.expires_at, a.updated_at, a.overbooked, c.slot_id AS from_slot_id, c.to_capacity
), moved_event AS (
  INSERT INTO event_logs (appointment_id, slot_id, event_type, payload, actor_subject, actor_role)
  SELECT id, slot_id, 'APPOINTMENT_RESCHEDULED',
         jsonb_build_object('from_slot_id', from_slot_id, 'to_slot_id', slot_id, 'expires_at', expires_at)
           || CASE WHEN overbooked
                   THEN jsonb_build_object('overbooked', true, 'overbook_reason', $7::text,
                                           'occupants', current_setting('sched.occupants_met')::int, 'capacity', to_capacity)
                   ELSE '{}'::jsonb END,
         $5, $6
    FROM moved
)
SELECT c.id, c.slot_id, c.patient_id, c.status, c.created_at, c.updated_at, c.expires_at, c.overbooked,
       c.same_slot, c.movable, c.lapsed, c.to_status, c.to_in_past, c.already_held,
       moved.id IS NOT NULL AS moved, moved.slot_id AS moved_slot_id, moved.expires_at AS moved_expires_at,
       moved.updated_at AS moved_updated_at, moved.overbooked AS moved_overbooked
  FROM checks c LEFT JOIN moved ON true`;

interface MoveRow extends AppointmentRow {
  same_slot: boolean;
  movable: boolean;
  lapsed: boolean;
  to_status: SlotStatus | null;
  to_in_past: boolean | null;
  already_held: boolean;
  moved: boolean;
  moved_slot_id: string | null;
  moved_expires_at: Date | null;
  moved_updated_at: Date | null;
  moved_overbooked: boolean | null;
}

/**
 * The moved appointment; the appointment unchanged, not moved, when it is
 * already in that slot; undefined when there is no such appointment (or,
 * with `ownedBy`, not that patient's). Refusals are SchedErrors.
 */
export async function rescheduleAppointment(db: Queryable, actor: Actor, move: Move, ownedBy: string | undefined): Promise<MoveOutcome | undefined> {
  const { rows } = await db.query<MoveRow>({
    name: "reschedule_appointment",
    text,
    values: [
      move.appointmentId,
      move.slotId,
      ownedBy ?? null,
      Math.round(move.ttlMs),
      actor.subject,
      actor.role,
      move.overbook?.reason ?? null,
      move.overbook?.limit ?? 0,
    ],
  });
  const row = rows[0];
  if (row === undefined) return undefined;
  const current = toAppointment(row);
  if (row.moved) {
    const appointment = { ...current, slotId: row.moved_slot_id!, expiresAt: row.moved_expires_at, updatedAt: row.moved_updated_at!, overbooked: row.moved_overbooked! };
    return { appointment, moved: true };
  }
  if (row.lapsed) throw new SchedError("appointment_expired", "the hold expired before it was moved");
  if (!row.movable) throw new SchedError("invalid_status_transition", `a ${row.status} appointment cannot be rescheduled`);
  if (row.same_slot) return { appointment: current, moved: false };
  if (row.to_status === null) throw new SchedError("slot_not_found", "slot not found");
  if (row.to_in_past) throw new SchedError("slot_in_past", "the slot has already started and can no longer be booked");
  if (row.to_status !== "open") throw new SchedError("slot_not_open", `the slot is ${row.to_status}, not open for booking`);
  if (row.already_held) throw new SchedError("appointment_already_held", "the patient already holds this slot");
  throw fullSlot(move.overbook);
}
