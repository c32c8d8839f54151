import { SchedError } from "../../../core/errors.js";
import type { Actor } from "../../../core/access/caller.js";
import type { Appointment, NewHold } from "../../../core/model/appointment.js";
import type { SlotStatus } from "../../../core/model/slot.js";
import type { Queryable } from "../pool.js";
import { appointmentColumns, toAppointment, type AppointmentRow } from "../rows/appointment-row.js";
import { occupiesSlotSql } from "../rows/slot-row.js";

/*
 * The whole booking in one statement and one round trip.
 *
 * 1. `lapsed` expires this slot's lapsed holds, with their events, so that a
 *    patient whose own hold lapsed can hold the slot again at once and the
 *    audit log says why the old hold ended. `checks` reads its count, which
 *    makes PostgreSQL finish it before anything else. Their actor is the
 *    system, as for every expiry: the clock ended those holds, not this
 *    caller, who may be somebody else entirely.
 * 2. `checks` decides the answer: the slot exists, is open and has not
 *    started, the patient exists, does not hold the slot already and holds
 *    fewer than $6 other slots (0: no cap), and its occupants (unexpired
 *    holds, bookings and visits) leave room, or, when staff gave an
 *    overbooking reason ($7), the slot has fewer than $8 overbooked places
 *    (OVERBOOK_LIMIT). Refusals are answers, not errors: an error
 *    costs a rollback and a line in the server log on every refused booking,
 *    which is the common case when a popular slot fills. It also hands the
 *    cap and the overbooking limit to the schema's triggers for this
 *    transaction (`cap_set`, which `created` reads so that it is set before
 *    the insert).
 *    When `lapsed` freed places while other patients wait for the slot
 *    (`left_to_waiters`), the booking is refused as for a full slot: the
 *    freed places go to the waiting list, offered by the schema's trigger on
 *    those expiries when the statement ends (migrations/0013_waitlist.sql),
 *    not to whoever polled first. Nothing is read from the waiting list
 *    unless something lapsed.
 * 3. `created` inserts the hold only when every check passed, and
 *    `created_event` records the caller ($4, $5) as its actor. The schema's
 *    capacity trigger then takes the slot's row lock and recounts with a
 *    fresh snapshot: when a concurrent booking of the same slot committed
 *    after this statement's snapshot, the trigger refuses with an error,
 *    which the store translates into the same slot_already_booked. For a
 *    booking with a reason, the trigger instead decides the marker from its
 *    own count (migrations/0011): overbooked only when the ordinary places
 *    are all taken, whatever this statement's snapshot saw, so that a
 *    booking committed meanwhile makes it an overbooking, not a refusal. The
 *    event takes the marker from the row and the occupancy the trigger met
 *    (sched.occupants_met), and records the reason for an overbooking. The
 *    patient-hold trigger likewise takes the patient's row lock and recounts
 *    the patient's holds, so that concurrent bookings of different slots by
 *    one patient, on any number of servers, cannot pass the cap together.
 *
 * Exported for the benchmark, whose pgbench baseline runs this very text.
 */
export const createHoldStatement = `
WITH lapsed AS (
  UPDATE appointments
     SET status = 'expired', expires_at = NULL, updated_at = now()
   WHERE slot_id = $1 AND status = 'pending' AND expires_at <= now()
  RETURNING id
), lapsed_events AS (
  INSERT INTO event_logs (appointment_id, event_type, payload, actor_subject, actor_role)
  SELECT id, 'APPOINTMENT_EXPIRED', '{"from": "pending", "to": "expired", "reason": "lapsed"}'::jsonb, 'system', 'system'
    FROM lapsed
), checks AS (
  SELECT s.status AS slot_status,
         s.capacity,
         s.start_time <= now() AS slot_in_past,
         (SELECT set_config('sched.max_active_holds_per_patient', $6::int::text, true)
              || set_config('sched.overbook_limit', $8::int::text, true)) AS cap_set,
         (SELECT count(*) FROM appointments h
           WHERE h.patient_id = $2 AND h.status = 'pending' AND h.expires_at > now())::int AS patient_holds,
         (SELECT count(*) FROM lapsed) AS lapsed_count,
         CASE WHEN (SELECT count(*) FROM lapsed) > 0
              THEN EXISTS (SELECT 1 FROM waitlist_entries w
                            WHERE w.status = 'waiting' AND w.patient_id <> $2
                              AND (w.slot_id = $1 OR (w.clinician_id = s.clinician_id
                                   AND s.start_time >= w.window_from AND s.start_time < w.window_to)))
              ELSE false END AS left_to_waiters,
         EXISTS (SELECT 1 FROM patients p WHERE p.id = $2) AS patient_exists,
         (SELECT count(*) FROM appointments o
           WHERE o.slot_id = $1 AND ${occupiesSlotSql("o")})::int AS occupants,
         (SELECT count(*) FROM appointments o
           WHERE o.slot_id = $1 AND o.overbooked AND ${occupiesSlotSql("o")})::int AS overbooked_places,
         EXISTS (SELECT 1 FROM appointments d
                  WHERE d.slot_id = $1 AND d.patient_id = $2 AND ${occupiesSlotSql("d")}) AS already_held
    FROM (SELECT) AS one
    LEFT JOIN appointment_slots s ON s.id = $1
), created AS (
  INSERT INTO appointments (slot_id, patient_id, expires_at, overbooked)
  SELECT $1, $2, now() + $3::int * interval '1 millisecond', occupants >= capacity -- the capacity guard decides it for a reason
    FROM checks
   WHERE slot_status = 'open' AND NOT slot_in_past AND patient_exists AND NOT already_held AND NOT left_to_waiters
     AND ($6::int = 0 OR patient_holds < $6::int) AND cap_set IS NOT NULL
     AND (occupants < capacity OR ($7::text IS NOT NULL AND overbooked_places < $8::int))
  RETURNING ${appointmentColumns}
), created_event AS (
  INSERT INTO event_logs (appointment_id, event_type, payload, actor_subject, actor_role)
  SELECT created.id, 'APPOINTMENT_CREATED',
         jsonb_build_object('to', 'pending', 'slot_id', created.slot_id, 'patient_id', created.patient_id, 'expires_at', created.expires_at)
           || CASE WHEN created.overbooked
                   THEN jsonb_build_object('overbooked', true, 'overbook_reason', $7::text,
                                           'occupants', current_setting('sched.occupants_met')::int, 'capacity', checks.capacity)
                   ELSE '{}'::jsonb END,
         $4, $5
    FROM created, checks
)
SELECT created.*, checks.slot_status, checks.slot_in_past, checks.patient_exists, checks.already_held, checks.left_to_waiters,
       $6::int > 0 AND checks.patient_holds >= $6::int AS too_many_holds
  FROM checks LEFT JOIN created ON true`;

type HoldRow = Partial<AppointmentRow> & {
  slot_status: SlotStatus | null;
  slot_in_past: boolean | null;
  patient_exists: boolean;
  already_held: boolean;
  left_to_waiters: boolean;
  too_many_holds: boolean;
};

export async function createHold(
  db: Queryable,
  actor: Actor,
  hold: NewHold,
): Promise<Appointment> {
  const { rows } = await db.query<HoldRow>({
    name: "create_hold",
    text: createHoldStatement,
    values: [
      hold.slotId,
      hold.patientId,
      Math.round(hold.ttlMs),
      actor.subject,
      actor.role,
      hold.maxActiveHoldsPerPatient,
      hold.overbook?.reason ?? null,
      hold.overbook?.limit ?? 0,
    ],
  });
  const row = rows[0]!;
  if (row.id !== undefined && row.id !== null) return toAppointment(row as AppointmentRow);
  throw refusal(row, hold);
}

function refusal(row: HoldRow, hold: NewHold): SchedError {
  if (row.slot_status === null) return new SchedError("slot_not_found", "slot not found");
  if (!row.patient_exists) return new SchedError("patient_not_found", "patient not found");
  if (row.slot_in_past) return new SchedError("slot_in_past", "the slot has already started and can no longer be booked");
  if (row.slot_status !== "open") return new SchedError("slot_not_open", `the slot is ${row.slot_status}, not open for booking`);
  if (row.already_held) return new SchedError("appointment_already_held", "the patient already holds this slot");
  if (row.too_many_holds) {
    return new SchedError("too_many_holds", "the patient already holds as many slots as allowed at once: confirm or cancel one first");
  }
  if (row.left_to_waiters) return new SchedError("slot_already_booked", "the slot's freed places are offered to its waiting list");
  return fullSlot(hold.overbook);
}

/** The refusal of a full slot, saying so when staff asked for an overbooking that the limit no longer allows. */
export function fullSlot(overbook: { limit: number } | undefined): SchedError {
  if (overbook === undefined) return new SchedError("slot_already_booked", "the slot has no capacity left");
  return new SchedError("slot_already_booked", `the slot is full and already has the ${overbook.limit} overbooked place(s) OVERBOOK_LIMIT allows`);
}
