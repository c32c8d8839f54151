import type { GeneratedSlot, Schedule, ScheduleDefinition } from "../../../core/model/schedule.js";
import type { Queryable } from "../pool.js";
import { scheduleColumns, storedDefinition, toSchedule, type ScheduleRow } from "../rows/schedule-row.js";
import { translated } from "../translate-error.js";

// The schedule and its first slots in one statement, so a client never sees
// one without the other. A slot that would overlap one the clinician already
// has (made by hand, or by another schedule) is left out rather than failing
// the whole schedule: ON CONFLICT DO NOTHING covers the exclusion constraint,
// which stays the guard of the clinician's time. The slots' foreign key to
// the new schedule is checked at the end of the statement, when it exists.
const text = `
WITH sc AS (
  INSERT INTO schedules (clinician_id, time_zone, effective_from, effective_until, rules, exceptions, generated_until)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  RETURNING *
),
made AS (
  INSERT INTO appointment_slots (clinician_id, schedule_id, start_time, end_time, capacity)
  SELECT sc.clinician_id, sc.id, slot.start_time, slot.end_time, slot.capacity
    FROM sc, unnest($8::timestamptz[], $9::timestamptz[], $10::int[]) AS slot (start_time, end_time, capacity)
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT ${scheduleColumns}, (SELECT count(*)::int FROM made) AS created
  FROM sc`;

export async function createSchedule(
  db: Queryable,
  definition: ScheduleDefinition,
  slots: GeneratedSlot[],
  generatedUntil: Date,
): Promise<{ schedule: Schedule; created: number }> {
  const { rules, exceptions } = storedDefinition(definition);
  const values = [
    definition.clinicianId,
    definition.timeZone,
    definition.effectiveFrom,
    definition.effectiveUntil,
    rules,
    exceptions,
    generatedUntil,
    ...slotArrays(slots),
  ];
  return translated(async () => {
    const { rows } = await db.query<ScheduleRow & { created: number }>({ name: "create_schedule", text, values });
    return { schedule: toSchedule(rows[0]!), created: rows[0]!.created };
  });
}

/** A schedule's slots as the three arrays the statements unnest. */
export function slotArrays(slots: GeneratedSlot[]): [Date[], Date[], number[]] {
  return [slots.map((slot) => slot.startTime), slots.map((slot) => slot.endTime), slots.map((slot) => slot.capacity)];
}
