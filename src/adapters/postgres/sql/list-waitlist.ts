import type { WaitlistFilter, WaitlistPage } from "../../../core/model/waitlist.js";
import type { Queryable } from "../pool.js";
import { toWaitlistEntry, waitlistEntryColumns, type WaitlistEntryRow } from "../rows/waitlist-entry-row.js";

// A clinician's entries are those waiting for its window and those waiting
// for one of its slots.
const matching = `
  FROM waitlist_entries w
 WHERE ($1::uuid IS NULL OR w.patient_id = $1::uuid)
   AND ($2::uuid IS NULL OR w.slot_id = $2::uuid)
   AND ($3::uuid IS NULL OR w.clinician_id = $3::uuid
        OR w.slot_id IN (SELECT s.id FROM appointment_slots s WHERE s.clinician_id = $3::uuid))`;

// Queue order: highest priority, then oldest.
const text = `
SELECT ${waitlistEntryColumns}, count(*) OVER ()::int AS total ${matching}
 ORDER BY w.priority DESC, w.created_at, w.id
 LIMIT $4 OFFSET $5`;

// An empty page says nothing about the total; only then is it counted apart.
const countText = `SELECT count(*)::int AS total ${matching}`;

export async function listWaitlist(db: Queryable, filter: WaitlistFilter, page: { limit: number; offset: number }): Promise<WaitlistPage> {
  const filters = [filter.patientId ?? null, filter.slotId ?? null, filter.clinicianId ?? null];
  const { rows } = await db.query<WaitlistEntryRow & { total: number }>({
    name: "list_waitlist",
    text,
    values: [...filters, page.limit, page.offset],
  });
  if (rows.length > 0 || page.offset === 0) return { entries: rows.map(toWaitlistEntry), total: rows[0]?.total ?? 0 };
  const { rows: counted } = await db.query<{ total: number }>({ name: "count_waitlist", text: countText, values: filters });
  return { entries: [], total: counted[0]?.total ?? 0 };
}
