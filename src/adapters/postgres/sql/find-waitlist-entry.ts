import type { WaitlistEntry } from "../../../core/model/waitlist.js";
import type { Queryable } from "../pool.js";
import { toWaitlistEntry, waitlistEntryColumns, type WaitlistEntryRow } from "../rows/waitlist-entry-row.js";

const text = `SELECT ${waitlistEntryColumns} FROM waitlist_entries WHERE id = $1`;

export async function findWaitlistEntry(db: Queryable, id: string): Promise<WaitlistEntry | undefined> {
  const { rows } = await db.query<WaitlistEntryRow>({ name: "find_waitlist_entry", text, values: [id] });
  return rows[0] && toWaitlistEntry(rows[0]);
}
