import type { SlotPage } from "../../../core/model/slot.js";
import type { Queryable } from "../pool.js";
import { availableCapacitySql, overbookedCountSql, toSlot, type SlotRow } from "../rows/slot-row.js";
import { translated } from "../translate-error.js";

// The marks regeneration leaves (reconcile-schedule-slots.ts) on future slots
// that still hold appointments outside the schedule; served by
// appointment_slots_by_schedule.
const text = `
WITH matching AS NOT MATERIALIZED (
  SELECT s.id, s.clinician_id, s.start_time, s.end_time, s.status, s.capacity
    FROM appointment_slots s
   WHERE s.schedule_id = $3 AND s.start_time >= now() AND s.status <> 'deleted' AND s.outside_schedule_since IS NOT NULL
)
SELECT total.total, page.*
  FROM (SELECT count(*)::int AS total FROM matching) total
  LEFT JOIN LATERAL (
    SELECT s.*, ${availableCapacitySql} AS available, ${overbookedCountSql} AS overbooked
      FROM matching s
     ORDER BY s.start_time, s.id
     LIMIT $1 OFFSET $2
  ) page ON true
 ORDER BY page.start_time, page.id`;

type ListingRow = { total: number } & (SlotRow | { id: null });

export async function listScheduleConflicts(db: Queryable, scheduleId: string, page: { limit: number; offset: number }): Promise<SlotPage> {
  return translated(async () => {
    const { rows } = await db.query<ListingRow>({ name: "list_schedule_conflicts", text, values: [page.limit, page.offset, scheduleId] });
    return { slots: rows.flatMap((row) => (row.id === null ? [] : [toSlot(row)])), total: rows[0]?.total ?? 0 };
  });
}
