import { waitlistEntryStatuses, type WaitlistCounts, type WaitlistEntryStatus } from "../../../core/model/waitlist.js";
import type { Queryable } from "../pool.js";

const text = `SELECT status, count(*)::int AS count FROM waitlist_entries GROUP BY status`;

/** How many entries are in each status: the waiting-list metrics, read from the table every process shares. */
export async function countWaitlistEntries(db: Queryable): Promise<WaitlistCounts> {
  const { rows } = await db.query<{ status: WaitlistEntryStatus; count: number }>({ name: "count_waitlist_entries", text });
  const counts = Object.fromEntries(waitlistEntryStatuses.map((status) => [status, 0])) as WaitlistCounts;
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}
