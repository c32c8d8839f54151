import type { GeneratedSlot, Schedule } from "../../../core/model/schedule.js";
import type { Queryable } from "../pool.js";
import { translated } from "../translate-error.js";
import { slotArrays } from "./create-schedule.js";

// One statement: the schedule moves from where this worker found it to
// `until` only if nothing moved or changed it since (same version, same
// generated_until), and only then are the slots inserted. A second worker
// with the same schedule waits for the first's row lock, finds
// generated_until moved and inserts nothing; a change of the schedule in
// between bumps its version and regenerates by itself.
const text = `
WITH sc AS (
  UPDATE schedules
     SET generated_until = $4
   WHERE id = $1 AND version = $2 AND generated_until = $3
  RETURNING id, clinician_id
),
made AS (
  INSERT INTO appointment_slots (clinician_id, schedule_id, start_time, end_time, capacity)
  SELECT sc.clinician_id, sc.id, slot.start_time, slot.end_time, slot.capacity
    FROM sc, unnest($5::timestamptz[], $6::timestamptz[], $7::int[]) AS slot (start_time, end_time, capacity)
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*)::int FROM sc) AS moved, (SELECT count(*)::int FROM made) AS created`;

/** The slots made, or undefined when the schedule had moved or changed. */
export async function extendSchedule(db: Queryable, schedule: Schedule, slots: GeneratedSlot[], until: Date): Promise<number | undefined> {
  return translated(async () => {
    const { rows } = await db.query<{ moved: number; created: number }>({
      name: "extend_schedule",
      text,
      values: [schedule.id, schedule.version, schedule.generatedUntil, until, ...slotArrays(slots)],
    });
    return rows[0]!.moved === 0 ? undefined : rows[0]!.created;
  });
}
