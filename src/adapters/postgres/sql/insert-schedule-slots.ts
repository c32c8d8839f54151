import type { GeneratedSlot } from "../../../core/model/schedule.js";
import type { Queryable } from "../pool.js";
import { slotArrays } from "./create-schedule.js";

// The slots a schedule makes that are not there yet. One the clinician's
// calendar already covers (the same slot, made before, or another that
// overlaps it) is skipped by the exclusion constraint under ON CONFLICT DO
// NOTHING, so inserting the same slots twice makes nothing twice, and a
// concurrent insert of the same slot waits for the first and then skips.
const text = `
WITH made AS (
  INSERT INTO appointment_slots (clinician_id, schedule_id, start_time, end_time, capacity)
  SELECT sc.clinician_id, sc.id, slot.start_time, slot.end_time, slot.capacity
    FROM schedules sc, unnest($2::timestamptz[], $3::timestamptz[], $4::int[]) AS slot (start_time, end_time, capacity)
   WHERE sc.id = $1
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT count(*)::int AS created FROM made`;

export async function insertScheduleSlots(db: Queryable, scheduleId: string, slots: GeneratedSlot[]): Promise<number> {
  const { rows } = await db.query<{ created: number }>({
    name: "insert_schedule_slots",
    text,
    values: [scheduleId, ...slotArrays(slots)],
  });
  return rows[0]!.created;
}
