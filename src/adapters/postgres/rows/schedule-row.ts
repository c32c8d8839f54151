import type { Schedule, ScheduleDefinition, ScheduleException, Weekday, WeeklyRule, WorkingHours } from "../../../core/model/schedule.js";

/** Working hours as the JSON of schedules.rules and schedules.exceptions keeps them: the API's field names. */
interface StoredHours {
  start: string;
  end: string;
  slot_minutes: number;
  buffer_minutes: number;
  capacity: number;
}

interface StoredRule extends StoredHours {
  weekdays: Weekday[];
}

interface StoredException {
  date: string;
  closed: boolean;
  hours: StoredHours[];
}

/** A schedule as the queries select it (scheduleColumns): dates as text, never through the driver's local-time Date. */
export interface ScheduleRow {
  id: string;
  clinician_id: string;
  time_zone: string;
  effective_from: string;
  effective_until: string | null;
  rules: StoredRule[];
  exceptions: StoredException[];
  generated_until: Date;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** The columns every query that answers a schedule selects, for a schedule aliased `sc`. */
export const scheduleColumns = `sc.id, sc.clinician_id, sc.time_zone, sc.effective_from::text AS effective_from,
  sc.effective_until::text AS effective_until, sc.rules, sc.exceptions, sc.generated_until, sc.version,
  sc.created_at, sc.updated_at`;

function toHours(stored: StoredHours): WorkingHours {
  return {
    start: stored.start,
    end: stored.end,
    slotMinutes: stored.slot_minutes,
    bufferMinutes: stored.buffer_minutes,
    capacity: stored.capacity,
  };
}

function storedHours(hours: WorkingHours): StoredHours {
  return {
    start: hours.start,
    end: hours.end,
    slot_minutes: hours.slotMinutes,
    buffer_minutes: hours.bufferMinutes,
    capacity: hours.capacity,
  };
}

export function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    clinicianId: row.clinician_id,
    timeZone: row.time_zone,
    effectiveFrom: row.effective_from,
    effectiveUntil: row.effective_until,
    rules: row.rules.map((rule): WeeklyRule => ({ weekdays: rule.weekdays, ...toHours(rule) })),
    exceptions: row.exceptions.map(
      (exception): ScheduleException => ({ date: exception.date, closed: exception.closed, hours: exception.hours.map(toHours) }),
    ),
    generatedUntil: row.generated_until,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The JSON texts of rules and exceptions, as the statements take them. */
export function storedDefinition(definition: ScheduleDefinition): { rules: string; exceptions: string } {
  return {
    rules: JSON.stringify(definition.rules.map((rule): StoredRule => ({ weekdays: rule.weekdays, ...storedHours(rule) }))),
    exceptions: JSON.stringify(
      definition.exceptions.map((exception): StoredException => ({
        date: exception.date,
        closed: exception.closed,
        hours: exception.hours.map(storedHours),
      })),
    ),
  };
}
