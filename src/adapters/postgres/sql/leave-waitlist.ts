import type { WaitlistEntry } from "../../../core/model/waitlist.js";
import type { Queryable } from "../pool.js";
import { toWaitlistEntry, waitlistEntryColumns, type WaitlistEntryRow } from "../rows/waitlist-entry-row.js";

// Only a waiting entry leaves (and, when $2 names a patient, only that
// patient's); anything else comes back empty and the caller reads the entry
// to say why.
const text = `
UPDATE waitlist_entries
   SET status = 'left', updated_at = now()
 WHERE id = $1 AND status = 'waiting' AND ($2::uuid IS NULL OR patient_id = $2::uuid)
RETURNING ${waitlistEntryColumns}`;

export async function leaveWaitlist(db: Queryable, id: string, ownedBy: string | undefined): Promise<WaitlistEntry | undefined> {
  const { rows } = await db.query<WaitlistEntryRow>({ name: "leave_waitlist", text, values: [id, ownedBy ?? null] });
  return rows[0] && toWaitlistEntry(rows[0]);
}
