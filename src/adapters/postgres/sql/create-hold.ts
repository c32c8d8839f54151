import { SchedError } from "../../../core/errors.js";
import type { Actor } from "../../../core/access/caller.js";
import type { Appointment, NewHold } from "../../../core/model/appointment.js";
import type { SlotStatus } from "../../../core/model/slot.js";
import type { Queryable } from "../pool.js";
import { appointmentColumns, toAppointment, type AppointmentRow } from "../rows/appointment-row.js";
import { notHistorySql, unlapsedSql } from "../rows/slot-row.js";

/*
 * The whole booking in one statement and one round trip, shaped for what it
 * costs PostgreSQL: every plan node is set up again on every execution, so
 * the statement reads each thing once (docs/architecture.md, The booking
 * statement).
 *
 * 1. `places` reads the slot's places in one scan of the partial index that
 *    leaves history (cancelled, expired) out, so that its cost is the slot's
 *    current places however long the slot's past: its occupants (unexpired
 *    holds, bookings and visits), those overbooked, whether the patient holds
 *    one already, and its lapsed holds.
 * 2. `lapsed` expires those lapsed holds, so that a patient whose own hold
 *    lapsed can hold the slot again at once and the audit log says why the
 *    old hold ended. It finds them by id, and skips one that a concurrent
 *    cancel or expiry ended meanwhile by its expires_at, set exactly while
 *    pending: a hold still pending that had lapsed in this statement's
 *    snapshot has lapsed still (nothing changes a lapsed hold's expires_at).
 *    Naming the status or the lapse instead lets the planner read every
 *    pending hold of the table through a partial index on them.
 *    `checks` reads its count, which makes PostgreSQL finish it before the
 *    insert. Their actor is the system, as for every expiry:
 *    the clock ended those holds, not this caller, who may be somebody else
 *    entirely.
 * 3. `checks` decides the answer: the slot exists, is open and has not
 *    started, the patient exists, does not hold the slot already and holds
 *    fewer than $6 other slots (0: no cap, and then nothing counts them),
 *    and the occupants leave room, or, when staff gave an overbooking reason
 *    ($7), the slot has fewer than $8 overbooked places (OVERBOOK_LIMIT).
 *    Refusals are answers, not errors: an error costs a rollback and a line
 *    in the server log on every refused booking, which is the common case
 *    when a popular slot fills. It also hands the cap and the overbooking
 *    limit to the schema's triggers for this transaction (`cap_set`, which
 *    `created` reads so that it is set before the insert); with neither, the
 *    triggers find them unset, which means no cap and no overbooking.
 *    When `lapsed` freed places while other patients wait for the slot
 *    (`left_to_waiters`), the booking is refused as for a full slot: the
 *    freed places go to the waiting list, offered by the schema's trigger on
 *    those expiries when the statement ends (migrations/0013_waitlist.sql),
 *    not to whoever polled first. Nothing is read from the waiting list
 *    unless something lapsed.
 * 4. `created` inserts the hold only when every check passed. The schema's
 *    capacity trigger then takes the slot's row lock and recounts with a
 *    fresh snapshot: when a concurrent booking of the same slot committed
 *    after this statement's snapshot, the trigger refuses with an error,
 *    which the store translates into the same slot_already_booked. For a
 *    booking with a reason, the trigger instead decides the marker from its
 *    own count (migrations/0011): overbooked only when the ordinary places
 *    are all taken, whatever this statement's snapshot saw, so that a
 *    booking committed meanwhile makes it an overbooking, not a refusal. The
 *    patient-hold trigger likewise takes the patient's row lock and recounts
 *    the patient's holds, so that concurrent bookings of different slots by
 *    one patient, on any number of servers, cannot pass the cap together.
 * 5. `events` writes the lapsed holds' APPOINTMENT_EXPIRED and the new
 *    hold's APPOINTMENT_CREATED in one insert, with the caller ($4, $5) as
 *    the new hold's actor and the slot named (the schema's trigger that
 *    looks it up runs only for an event without one); it takes the marker from the row and the
 *    occupancy the trigger met (sched.occupants_met), and records the reason
 *    for an overbooking.
 *
 * Exported for the benchmark, whose pgbench baseline runs this very text.
 */
export const createHoldStatement = `
WITH places AS (
  SELECT count(*) FILTER (WHERE ${unlapsedSql("o")})::int AS occupants,
         count(*) FILTER (WHERE o.overbooked AND ${unlapsedSql("o")})::int AS overbooked_places,
         COALESCE(bool_or(o.patient_id = $2 AND ${unlapsedSql("o")}), false) AS already_held,
         array_agg(o.id) FILTER (WHERE NOT ${unlapsedSql("o")}) AS lapsed_ids
    FROM appointments o
   WHERE o.slot_id = $1 AND ${notHistorySql("o")}
), lapsed AS (
  UPDATE appointments a
     SET status = 'expired', expires_at = NULL, updated_at = now()
    FROM places
   WHERE a.id = ANY (places.lapsed_ids) AND a.expires_at IS NOT NULL
  RETURNING a.id
), checks AS (
  SELECT s.status AS slot_status,
         s.capacity,
         s.start_time <= now() AS slot_in_past,
         CASE WHEN $6::int > 0 OR $7::text IS NOT NULL
              THEN set_config('sched.max_active_holds_per_patient', $6::int::text, true)
                   || set_config('sched.overbook_limit', $8::int::text, true)
              ELSE '' END AS cap_set,
         CASE WHEN $6::int > 0
              THEN (SELECT count(*) FROM appointments h
                     WHERE h.patient_id = $2 AND h.status = 'pending' AND h.expires_at > now())::int
              ELSE 0 END AS patient_holds,
         (SELECT count(*) FROM lapsed) AS lapsed_count,
         CASE WHEN (SELECT count(*) FROM lapsed) > 0
              THEN EXISTS (SELECT 1 FROM waitlist_entries w
                            WHERE w.status = 'waiting' AND w.patient_id <> $2
                              AND (w.slot_id = $1 OR (w.clinician_id = s.clinician_id
                                   AND s.start_time >= w.window_from AND s.start_time < w.window_to)))
              ELSE false END AS left_to_waiters,
         p.id IS NOT NULL AS patient_exists,
         places.occupants,
         places.overbooked_places,
         places.already_held
    FROM places
    LEFT JOIN appointment_slots s ON s.id = $1
    LEFT JOIN patients p ON p.id = $2
), created AS (
  INSERT INTO appointments (slot_id, patient_id, expires_at, overbooked)
  SELECT $1, $2, now() + $3::int * interval '1 millisecond', occupants >= capacity -- the capacity guard decides it for a reason
    FROM checks
   WHERE slot_status = 'open' AND NOT slot_in_past AND patient_exists AND NOT already_held AND NOT left_to_waiters
     AND ($6::int = 0 OR patient_holds < $6::int) AND cap_set IS NOT NULL
     AND (occupants < capacity OR ($7::text IS NOT NULL AND overbooked_places < $8::int))
  RETURNING ${appointmentColumns}
), events AS (
  INSERT INTO event_logs (appointment_id, slot_id, event_type, payload, actor_subject, actor_role)
  SELECT id, $1::uuid, 'APPOINTMENT_EXPIRED'::appointment_event_type,
         '{"from": "pending", "to": "expired", "reason": "lapsed"}'::jsonb, 'system', 'system'
    FROM lapsed
  UNION ALL
  SELECT created.id, created.slot_id, 'APPOINTMENT_CREATED',
         jsonb_build_object('to', 'pending', 'slot_id', created.slot_id, 'patient_id', created.patient_id, 'expires_at', created.expires_at)
           || CASE WHEN created.overbooked
                   THEN jsonb_build_object('overbooked', true, 'overbook_reason', $7::text,
                                           'occupants', current_setting('sched.occupants_met')::int, 'capacity', checks.capacity)
                   ELSE '{}'::jsonb END,
         $4::text, $5::text
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
