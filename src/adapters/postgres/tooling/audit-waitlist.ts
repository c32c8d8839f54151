import type pg from "pg";
import { readInOneSnapshot } from "./read-in-one-snapshot.js";

/** What an audit of the waiting list found; every list is empty when its promises hold. */
export interface WaitlistAudit {
  /** Offers whose trail does not begin with APPOINTMENT_CREATED then WAITLIST_OFFERED, both by the system, or a WAITLIST_OFFERED on an appointment that is no offer. */
  offersWithoutEvents: { appointmentId: string; trail: string }[];
  /** Entries that more than one appointment, or more than one WAITLIST_OFFERED event, claims. */
  entriesOfferedTwice: { entryId: string; offers: number }[];
  /** Entries whose status does not match their offer's: offered while pending, accepted once confirmed, lapsed when it ended unconfirmed. */
  entryStatusMismatches: { entryId: string; entryStatus: string; appointmentStatus: string | null }[];
  /** Open slots, not started, with a free ordinary place while an eligible entry waits for them. */
  placesLeftFree: { slotId: string; entryId: string; free: number }[];
}

const queries = {
  offersWithoutEvents: `
    SELECT a.id AS "appointmentId", coalesce(t.trail, '') AS trail
      FROM appointments a
      LEFT JOIN LATERAL (
        SELECT string_agg(e.event_type::text || '/' || e.actor_role, ',' ORDER BY e.id) AS trail
          FROM event_logs e WHERE e.appointment_id = a.id
      ) t ON true
     WHERE (a.waitlist_entry_id IS NOT NULL
            AND coalesce(t.trail, '') !~ '^APPOINTMENT_CREATED/system,WAITLIST_OFFERED/system(,|$)')
        OR (a.waitlist_entry_id IS NULL AND t.trail LIKE '%WAITLIST_OFFERED%')`,
  entriesOfferedTwice: `
    SELECT entry_id AS "entryId", count(*)::int AS offers FROM (
      SELECT a.waitlist_entry_id AS entry_id FROM appointments a WHERE a.waitlist_entry_id IS NOT NULL
    ) offers
     GROUP BY entry_id HAVING count(*) > 1
    UNION ALL
    SELECT (e.payload->>'waitlist_entry_id')::uuid, count(*)::int FROM event_logs e
     WHERE e.event_type = 'WAITLIST_OFFERED'
     GROUP BY e.payload->>'waitlist_entry_id' HAVING count(*) > 1`,
  entryStatusMismatches: `
    SELECT w.id AS "entryId", w.status::text AS "entryStatus", a.status::text AS "appointmentStatus"
      FROM waitlist_entries w
      LEFT JOIN appointments a ON a.id = w.appointment_id
     WHERE (w.appointment_id IS NOT NULL AND a.waitlist_entry_id IS DISTINCT FROM w.id)
        OR (w.status = 'offered' AND a.status <> 'pending')
        OR (w.status = 'lapsed' AND (a.status NOT IN ('cancelled', 'expired')
            OR EXISTS (SELECT 1 FROM event_logs c WHERE c.appointment_id = a.id AND c.event_type = 'APPOINTMENT_CONFIRMED')))
        OR (w.status = 'accepted'
            AND NOT EXISTS (SELECT 1 FROM event_logs c WHERE c.appointment_id = a.id AND c.event_type = 'APPOINTMENT_CONFIRMED'))`,
  // Eligible as the offer sees it: the patient has no appointment in the slot
  // and fewer live holds than the cap ($1; 0: none).
  placesLeftFree: `
    SELECT s.id AS "slotId", w.id AS "entryId", free.n AS free
      FROM appointment_slots s
     CROSS JOIN LATERAL (
       SELECT s.capacity - count(*)::int AS n FROM appointments a
        WHERE a.slot_id = s.id AND NOT a.overbooked AND a.status NOT IN ('cancelled', 'expired')
          AND (a.status <> 'pending' OR a.expires_at > now())
     ) free
      JOIN waitlist_entries w
        ON w.status = 'waiting'
       AND (w.slot_id = s.id OR (w.clinician_id = s.clinician_id AND s.start_time >= w.window_from AND s.start_time < w.window_to))
     WHERE s.status = 'open' AND s.start_time > now() AND free.n > 0
       AND NOT EXISTS (SELECT 1 FROM appointments d
                        WHERE d.slot_id = s.id AND d.patient_id = w.patient_id AND d.status NOT IN ('cancelled', 'expired'))
       AND ($1::int = 0 OR (SELECT count(*) FROM appointments h
                             WHERE h.patient_id = w.patient_id AND h.status = 'pending' AND h.expires_at > now()) < $1::int)`,
};

/**
 * Audits the waiting list from the tables, as the concurrency proof ends:
 * every offer with its events, no entry offered twice, entries in step with
 * their offers, and no free place left while an eligible entry waits. Run it
 * once every lapsed hold has been marked expired (a lapsed hold is a free
 * place that nothing has offered yet). Read in one REPEATABLE READ snapshot.
 */
export function auditWaitlist(db: Pick<pg.Pool, "connect">, options: { holdCap?: number } = {}): Promise<WaitlistAudit> {
  return readInOneSnapshot<WaitlistAudit>(db, queries, (finding) => (finding === "placesLeftFree" ? [options.holdCap ?? 0] : []));
}

export const cleanWaitlistAudit: WaitlistAudit = {
  offersWithoutEvents: [],
  entriesOfferedTwice: [],
  entryStatusMismatches: [],
  placesLeftFree: [],
};
