import type pg from "pg";
import { auditInvariants, type InvariantAudit } from "../../../src/adapters/postgres/tooling/audit-invariants.js";
import type { Ledger } from "./ledger.js";

/** What the database says about a run, against what clients were told. */
export interface RunVerdict {
  audit: InvariantAudit;
  acknowledgedBookings: number;
  acknowledgedConfirms: number;
  acknowledgedCancels: number;
  /** Acknowledged bookings with no appointment row of that slot and patient, or no APPOINTMENT_CREATED event. */
  lostBookings: string[];
  /** Acknowledged confirms with no APPOINTMENT_CONFIRMED event. */
  lostConfirms: string[];
  /** Acknowledged cancels with no APPOINTMENT_CANCELLED event. */
  lostCancels: string[];
  /** lostBookings + lostConfirms + lostCancels. */
  lost: number;
  /** Slots over capacity right now (the audit's first finding). */
  overbooked: number;
}

// Appointments of the list that lack the given event (or, for bookings, the row itself).
const missingEvent = `
  SELECT acked.id::text AS id FROM unnest($1::uuid[]) AS acked(id)
   WHERE NOT EXISTS (SELECT 1 FROM event_logs e WHERE e.appointment_id = acked.id AND e.event_type::text = $2)`;

const missingBooking = `
  SELECT b.id::text FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS b(id, slot_id, patient_id)
   WHERE NOT EXISTS (SELECT 1 FROM appointments a WHERE a.id = b.id AND a.slot_id = b.slot_id AND a.patient_id = b.patient_id)
      OR NOT EXISTS (SELECT 1 FROM event_logs e WHERE e.appointment_id = b.id AND e.event_type = 'APPOINTMENT_CREATED')`;

/**
 * The end of every scenario: the full invariant audit (the one `sched
 * simulate` runs), and every acknowledged booking, confirm and cancel looked
 * up in the tables with its event.
 */
export async function verifyRun(pool: pg.Pool, ledger: Ledger): Promise<RunVerdict> {
  const audit = await auditInvariants(pool);
  const bookings = [...ledger.bookings.values()];
  const lostBookings = (
    await pool.query<{ id: string }>(missingBooking, [bookings.map((b) => b.id), bookings.map((b) => b.slotId), bookings.map((b) => b.patientId)])
  ).rows.map((row) => row.id);
  const lostConfirms = (await pool.query<{ id: string }>(missingEvent, [[...ledger.confirms], "APPOINTMENT_CONFIRMED"])).rows.map((row) => row.id);
  const lostCancels = (await pool.query<{ id: string }>(missingEvent, [[...ledger.cancels], "APPOINTMENT_CANCELLED"])).rows.map((row) => row.id);
  return {
    audit,
    acknowledgedBookings: ledger.bookings.size,
    acknowledgedConfirms: ledger.confirms.size,
    acknowledgedCancels: ledger.cancels.size,
    lostBookings,
    lostConfirms,
    lostCancels,
    lost: lostBookings.length + lostConfirms.length + lostCancels.length,
    overbooked: audit.overbookedSlots.length,
  };
}
