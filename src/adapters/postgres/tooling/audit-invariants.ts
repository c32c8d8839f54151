import type pg from "pg";
import { occupiesSlotSql } from "../rows/slot-row.js";
import { readInOneSnapshot } from "./read-in-one-snapshot.js";


/** What an audit found; every list is empty when all of the service's invariants hold. */
export interface InvariantAudit {
  /** Invariant 1: slots with more occupants than their capacity plus their recorded overbookings. */
  overbookedSlots: { slotId: string; capacity: number; occupants: number; overbooked: number }[];
  /** Invariant 5: patients with more than one active appointment on one slot. */
  duplicateActiveAppointments: { slotId: string; patientId: string; count: number }[];
  /** Invariants 3 and 4: appointments whose audit trail is not exactly the legal path to their status. */
  trailMismatches: { appointmentId: string; status: string; trail: string }[];
  /** Rows in a state no legal path leads to. */
  illegalStates: { appointmentId: string; status: string }[];
  /**
   * Appointments whose slot is not where their trail leads: the slot of their
   * APPOINTMENT_CREATED event, moved by each APPOINTMENT_RESCHEDULED from the
   * slot it was in to the next. A move without its event, an event without
   * its move, or a move half done.
   */
  misplacedAppointments: { appointmentId: string; slotId: string; trail: string }[];
}

// Each appointment's trail must be exactly the events of the legal path to its
// status: this finds a change without its event, an event without its change,
// a repeated event and an illegal order, all in one comparison. A live hold
// and a confirmed appointment may move any number of times.
const moves = "(,APPOINTMENT_RESCHEDULED)*";
// A waiting-list offer records WAITLIST_OFFERED right after its creation.
const held = `APPOINTMENT_CREATED(,WAITLIST_OFFERED)?${moves}`;
const booked = `${held},APPOINTMENT_CONFIRMED${moves}`;
const legalTrails = `
  CASE a.status::text
    WHEN 'pending'   THEN t.trail ~ '^${held}$'
    WHEN 'confirmed' THEN t.trail ~ '^${booked}$'
    WHEN 'expired'   THEN t.trail ~ '^${held},APPOINTMENT_EXPIRED$'
    WHEN 'cancelled' THEN t.trail ~ '^(${held}|${booked}),APPOINTMENT_CANCELLED$'
    WHEN 'arrived'   THEN t.trail ~ '^${booked},APPOINTMENT_CHECKED_IN$'
    WHEN 'fulfilled' THEN t.trail ~ '^${booked},APPOINTMENT_CHECKED_IN,APPOINTMENT_COMPLETED$'
    WHEN 'noshow'    THEN t.trail ~ '^${booked},APPOINTMENT_NO_SHOW$'
  END`;

const queries = {
  overbookedSlots: `
    SELECT s.id AS "slotId", s.capacity, count(*)::int AS occupants, count(*) FILTER (WHERE a.overbooked)::int AS overbooked
      FROM appointment_slots s
      JOIN appointments a ON a.slot_id = s.id
     WHERE ${occupiesSlotSql("a")}
     GROUP BY s.id, s.capacity
    HAVING count(*) > s.capacity + count(*) FILTER (WHERE a.overbooked)`,
  duplicateActiveAppointments: `
    SELECT slot_id AS "slotId", patient_id AS "patientId", count(*)::int AS count
      FROM appointments
     WHERE status NOT IN ('cancelled', 'expired')
     GROUP BY slot_id, patient_id
    HAVING count(*) > 1`,
  trailMismatches: `
    SELECT a.id AS "appointmentId", a.status::text AS status, coalesce(t.trail, '') AS trail
      FROM appointments a
      LEFT JOIN LATERAL (
        SELECT string_agg(e.event_type::text, ',' ORDER BY e.id) AS trail
          FROM event_logs e WHERE e.appointment_id = a.id
      ) t ON true
     WHERE NOT coalesce(${legalTrails}, false)`,
  illegalStates: `
    SELECT id AS "appointmentId", status::text AS status
      FROM appointments
     WHERE (status = 'pending') <> (expires_at IS NOT NULL)
        OR updated_at < created_at`,
  misplacedAppointments: `
    WITH steps AS (
      SELECT e.appointment_id, e.id, e.event_type,
             e.payload->>'from_slot_id' AS from_slot,
             coalesce(e.payload->>'to_slot_id', e.payload->>'slot_id') AS at_slot,
             lag(coalesce(e.payload->>'to_slot_id', e.payload->>'slot_id')) OVER w AS before_slot,
             row_number() OVER (PARTITION BY e.appointment_id ORDER BY e.id DESC) AS from_last
        FROM event_logs e
       WHERE e.event_type IN ('APPOINTMENT_CREATED', 'APPOINTMENT_RESCHEDULED')
      WINDOW w AS (PARTITION BY e.appointment_id ORDER BY e.id)
    ), broken AS (
      SELECT s.appointment_id FROM steps s
        JOIN appointments a ON a.id = s.appointment_id
       WHERE (s.event_type = 'APPOINTMENT_RESCHEDULED' AND s.from_slot IS DISTINCT FROM s.before_slot)
          -- A booking loaded in bulk may not name its slot in its event; it has not moved since.
          OR (s.from_last = 1 AND s.at_slot IS NOT NULL AND s.at_slot <> a.slot_id::text)
    )
    SELECT a.id AS "appointmentId", a.slot_id AS "slotId",
           (SELECT string_agg(coalesce(s.from_slot || '>', '') || coalesce(s.at_slot, '?'), ',' ORDER BY s.id)
              FROM steps s WHERE s.appointment_id = a.id) AS trail
      FROM appointments a
     WHERE a.id IN (SELECT appointment_id FROM broken)`,
};

/**
 * Audits the whole database for the service's invariants, as the tests and
 * `sched simulate` end their runs: with queries over the tables, not by
 * trusting what the API answered. Read in one REPEATABLE READ snapshot so that
 * the four answers describe the same instant.
 */
export function auditInvariants(db: Pick<pg.Pool, "connect">): Promise<InvariantAudit> {
  return readInOneSnapshot<InvariantAudit>(db, queries);
}

