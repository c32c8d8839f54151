import type { Schedule, ScheduleDefinition } from "../../../core/model/schedule.js";
import type { Queryable } from "../pool.js";
import { scheduleColumns, storedDefinition, toSchedule, type ScheduleRow } from "../rows/schedule-row.js";

// Applied only to the version the change was computed from: the row lock it
// takes also serialises this schedule's regeneration against another change
// and against the extension worker until the transaction ends.
const text = `
WITH sc AS (
  UPDATE schedules
     SET time_zone = $3, effective_from = $4, effective_until = $5, rules = $6, exceptions = $7,
         generated_until = greatest(generated_until, $8), version = version + 1, updated_at = now()
   WHERE id = $1 AND version = $2
  RETURNING *
)
SELECT ${scheduleColumns} FROM sc`;

/** The schedule as stored, or undefined when it is no longer at `version`. Runs inside the caller's transaction. */
export async function updateScheduleDefinition(
  db: Queryable,
  id: string,
  version: number,
  definition: ScheduleDefinition,
  generatedUntil: Date,
): Promise<Schedule | undefined> {
  const { rules, exceptions } = storedDefinition(definition);
  const { rows } = await db.query<ScheduleRow>({
    name: "update_schedule_definition",
    text,
    values: [id, version, definition.timeZone, definition.effectiveFrom, definition.effectiveUntil, rules, exceptions, generatedUntil],
  });
  return rows[0] === undefined ? undefined : toSchedule(rows[0]);
}
