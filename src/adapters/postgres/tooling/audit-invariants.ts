import type pg from "pg";


/** What an audit found; every list is empty when all of the service's invariants hold. */
export interface InvariantAudit {
  /** Invariant 1: slots with more confirmed appointments and unexpired holds than capacity. */
  overbookedSlots: { slotId: string; capacity: number; occupants: number }[];
  /** Invariant 5: patients with more than one active appointment on one slot. */
  duplicateActiveAppointments: { slotId: string; patientId: string; count: number }[];
  /** Invariants 3 and 4: appointments whose audit trail is not exactly the legal path to their status. */
  trailMismatches: { appointmentId: string; status: string; trail: string }[];
  /** Rows in a state no legal path leads to. */
  illegalStates: { appointmentId: string; status: string }[];
}

// Each appointment's trail must be exactly the events of the legal path to its
// status: this finds a change without its event, an event without its change,
// a repeated event and an illegal order, all in one comparison.
const legalTrails = `
  CASE a.status
    WHEN 'pending'   THEN t.trail = 'APPOINTMENT_CREATED'
    WHEN 'confirmed' THEN t.trail = 'APPOINTMENT_CREATED,APPOINTMENT_CONFIRMED'
    WHEN 'expired'   THEN t.trail = 'APPOINTMENT_CREATED,APPOINTMENT_EXPIRED'
    WHEN 'cancelled' THEN t.trail IN ('APPOINTMENT_CREATED,APPOINTMENT_CANCELLED',
                                    'APPOINTMENT_CREATED,APPOINTMENT_CONFIRMED,APPOINTMENT_CANCELLED')
  END`;

const queries = {
  overbookedSlots: `
    SELECT s.id AS "slotId", s.capacity, count(*)::int AS occupants
      FROM appointment_slots s
      JOIN appointments a ON a.slot_id = s.id
     WHERE a.status = 'confirmed' OR (a.status = 'pending' AND a.expires_at > now())
     GROUP BY s.id, s.capacity
    HAVING count(*) > s.capacity`,
  duplicateActiveAppointments: `
    SELECT slot_id AS "slotId", patient_id AS "patientId", count(*)::int AS count
      FROM appointments
     WHERE status IN ('pending', 'confirmed')
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
};

/**
 * Audits the whole database for the service's invariants, as the tests and
 * `sched simulate` end their runs: with queries over the tables, not by
 * trusting what the API answered. Read in one REPEATABLE READ snapshot so that
 * the four answers describe the same instant.
 */
export async function auditInvariants(db: Pick<pg.Pool, "connect">): Promise<InvariantAudit> {
  const client = await db.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const audit = {} as InvariantAudit;
    for (const [finding, text] of Object.entries(queries) as [keyof InvariantAudit, string][]) {
      const { rows } = await client.query(text);
      audit[finding] = rows as never;
    }
    await client.query("COMMIT");
    return audit;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

