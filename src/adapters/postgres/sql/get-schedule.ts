import { SchedError } from "../../../core/errors.js";
import type { Schedule } from "../../../core/model/schedule.js";
import type { Queryable } from "../pool.js";
import { scheduleColumns, toSchedule, type ScheduleRow } from "../rows/schedule-row.js";
import { translated } from "../translate-error.js";

const text = `SELECT ${scheduleColumns} FROM schedules sc WHERE sc.id = $1`;

export async function getSchedule(db: Queryable, id: string): Promise<Schedule> {
  return translated(async () => {
    const { rows } = await db.query<ScheduleRow>({ name: "get_schedule", text, values: [id] });
    if (rows.length === 0) throw new SchedError("schedule_not_found", "schedule not found");
    return toSchedule(rows[0]!);
  });
}
