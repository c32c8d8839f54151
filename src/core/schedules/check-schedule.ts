import { Temporal } from "temporal-polyfill";
import { SchedError } from "../errors.js";
import type { ScheduleDefinition, ScheduleException, Weekday, WeeklyRule, WorkingHours } from "../model/schedule.js";
import { weekdays } from "../model/schedule.js";
import { minutesOfDay, wallClockPattern } from "./wall-clock.js";

/** Working hours as a caller sends them: any field may be missing. */
export interface WorkingHoursInput {
  start?: string | undefined;
  end?: string | undefined;
  slotMinutes?: number | undefined;
  bufferMinutes?: number | undefined;
  capacity?: number | undefined;
}

export interface WeeklyRuleInput extends WorkingHoursInput {
  weekdays?: string[] | undefined;
}

export interface ScheduleExceptionInput {
  date?: string | undefined;
  closed?: boolean | undefined;
  hours?: WorkingHoursInput[] | undefined;
}

// Bounds that keep one schedule's regeneration one bounded statement: at the
// shortest slot every minute of an 8-week horizon is about 16 000 slots.
const minSlotMinutes = 5;
const maxRules = 50;
const maxExceptions = 1000;
const maxCapacity = 2_147_483_647;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function invalid(message: string): SchedError {
  return new SchedError("invalid_schedule", message);
}

/** The IANA zone as the library spells it ("europe/london" → "Europe/London"); invalid_time_zone otherwise. */
export function checkTimeZone(zone: string | undefined): string {
  if (zone === undefined || zone.trim() === "") throw new SchedError("invalid_time_zone", "time_zone is required");
  const refusal = new SchedError("invalid_time_zone", `time_zone ${JSON.stringify(zone.slice(0, 64))} is not an IANA time zone (e.g. Europe/London)`);
  // The library also takes fixed offsets ("+05:30"); a fixed offset has no
  // daylight saving time, which is exactly what a clinic's rules must follow.
  if (/^[+-]/.test(zone)) throw refusal;
  try {
    return Temporal.Now.zonedDateTimeISO(zone).timeZoneId;
  } catch {
    throw refusal;
  }
}

/** "YYYY-MM-DD" that is a real date, as written. */
export function checkDate(text: string | undefined, what: string): string {
  if (text === undefined || text === "") throw invalid(`${what} is required`);
  if (!datePattern.test(text)) throw invalid(`${what} must be a date YYYY-MM-DD, got ${JSON.stringify(text.slice(0, 32))}`);
  try {
    return Temporal.PlainDate.from(text, { overflow: "reject" }).toString();
  } catch {
    throw invalid(`${what} ${text} is not a date`);
  }
}

function wholeNumber(value: number | undefined, what: string, least: number, most: number, absent?: number): number {
  if (value === undefined && absent !== undefined) return absent;
  if (value === undefined || !Number.isInteger(value) || value < least || value > most) {
    throw invalid(`${what} must be a whole number from ${least} to ${most}, got ${value ?? "nothing"}`);
  }
  return value;
}

function wallClock(text: string | undefined, what: string): string {
  if (text === undefined || !wallClockPattern.test(text)) {
    throw invalid(`${what} must be a local time HH:MM from 00:00 to 23:59, got ${JSON.stringify((text ?? "").slice(0, 16))}`);
  }
  return text;
}

function checkHours(input: WorkingHoursInput, what: string): WorkingHours {
  const start = wallClock(input.start, `${what}: start`);
  const end = wallClock(input.end, `${what}: end`);
  const length = minutesOfDay(end) - minutesOfDay(start);
  if (length <= 0) throw invalid(`${what}: end ${end} must be after start ${start} on the same day`);
  const slotMinutes = wholeNumber(input.slotMinutes, `${what}: slot_minutes`, minSlotMinutes, length);
  const bufferMinutes = wholeNumber(input.bufferMinutes, `${what}: buffer_minutes`, 0, 24 * 60, 0);
  // Absent means 1, as for a slot; 0 is a mistake like a slot's capacity of 0.
  const capacity = wholeNumber(input.capacity, `${what}: capacity`, 1, maxCapacity, 1);
  return { start, end, slotMinutes, bufferMinutes, capacity };
}

function checkWeekdays(input: string[] | undefined, what: string): Weekday[] {
  if (input === undefined || input.length === 0) throw invalid(`${what}: weekdays is required (e.g. ["MONDAY"])`);
  const days = new Set<Weekday>();
  for (const word of input) {
    const day = weekdays.find((weekday) => weekday === word.toUpperCase());
    if (day === undefined) throw invalid(`${what}: ${JSON.stringify(word.slice(0, 16))} is not a weekday (MONDAY … SUNDAY)`);
    days.add(day);
  }
  return weekdays.filter((weekday) => days.has(weekday));
}

function overlap(a: WorkingHours, b: WorkingHours): boolean {
  return minutesOfDay(a.start) < minutesOfDay(b.end) && minutesOfDay(b.start) < minutesOfDay(a.end);
}

// Overlapping hours would make two slots of one clinician at once; the
// database would refuse the second, so the caller hears of it here instead.
function refuseOverlaps(hours: Array<{ hours: WorkingHours; what: string }>, on: string): void {
  for (let i = 0; i < hours.length; i++) {
    for (let j = i + 1; j < hours.length; j++) {
      if (overlap(hours[i]!.hours, hours[j]!.hours)) throw invalid(`${hours[i]!.what} and ${hours[j]!.what} overlap on ${on}`);
    }
  }
}

export function checkRules(input: WeeklyRuleInput[] | undefined): WeeklyRule[] {
  if (input === undefined || input.length === 0) throw invalid("rules: give at least one weekly rule");
  if (input.length > maxRules) throw invalid(`rules: at most ${maxRules}, got ${input.length}`);
  const rules = input.map((rule, index) => ({
    ...checkHours(rule, `rule ${index + 1}`),
    weekdays: checkWeekdays(rule.weekdays, `rule ${index + 1}`),
  }));
  for (const day of weekdays) {
    refuseOverlaps(
      rules.flatMap((rule, index) => (rule.weekdays.includes(day) ? [{ hours: rule, what: `rule ${index + 1}` }] : [])),
      `${day}`,
    );
  }
  return rules;
}

export function checkException(input: ScheduleExceptionInput, what = "exception"): ScheduleException {
  const date = checkDate(input.date, `${what}: date`);
  const closed = input.closed === true;
  const hours = (input.hours ?? []).map((hours, index) => checkHours(hours, `${what} hours ${index + 1}`));
  if (!closed && hours.length === 0) throw invalid(`${what}: give closed, hours, or both`);
  refuseOverlaps(hours.map((entry, index) => ({ hours: entry, what: `${what} hours ${index + 1}` })), date);
  return { date, closed, hours };
}

/**
 * A whole definition: dates in order, rules and exceptions well formed, and no
 * day whose hours overlap (an exception's extra hours against the weekly ones
 * of its date, unless it closes them).
 */
export function checkDefinition(definition: ScheduleDefinition): ScheduleDefinition {
  if (definition.effectiveUntil !== null && definition.effectiveUntil < definition.effectiveFrom) {
    throw invalid(`effective_until ${definition.effectiveUntil} is before effective_from ${definition.effectiveFrom}`);
  }
  if (definition.exceptions.length > maxExceptions) throw invalid(`a schedule has at most ${maxExceptions} exceptions`);
  const dates = new Set<string>();
  for (const exception of definition.exceptions) {
    if (dates.has(exception.date)) throw invalid(`two exceptions for ${exception.date}`);
    dates.add(exception.date);
    if (exception.closed) continue;
    const weekday = weekdays[Temporal.PlainDate.from(exception.date).dayOfWeek - 1]!;
    refuseOverlaps(
      [
        ...definition.rules.flatMap((rule, index) => (rule.weekdays.includes(weekday) ? [{ hours: rule as WorkingHours, what: `rule ${index + 1}` }] : [])),
        ...exception.hours.map((hours, index) => ({ hours, what: `the exception's hours ${index + 1}` })),
      ],
      exception.date,
    );
  }
  return definition;
}
