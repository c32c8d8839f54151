import type { Schedule } from "../../../core/model/schedule.js";
import type { Queryable } from "../pool.js";
import { scheduleColumns, toSchedule, type ScheduleRow } from "../rows/schedule-row.js";
import { translated } from "../translate-error.js";

// Served by schedules_by_generated_until. A schedule whose last date has
// passed falls behind too; extending it makes no slots and moves it on.
const text = `
SELECT ${scheduleColumns} FROM schedules sc
 WHERE sc.generated_until < $1
 ORDER BY sc.generated_until, sc.id
 LIMIT $2`;

export async function schedulesToExtend(db: Queryable, before: Date, limit: number): Promise<Schedule[]> {
  return translated(async () => {
    const { rows } = await db.query<ScheduleRow>({ name: "schedules_to_extend", text, values: [before, limit] });
    return rows.map(toSchedule);
  });
}
