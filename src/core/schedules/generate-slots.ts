import { Temporal } from "temporal-polyfill";
import type { GeneratedSlot, ScheduleDefinition, ScheduleException, WorkingHours } from "../model/schedule.js";
import { weekdays } from "../model/schedule.js";
import { minutesOfDay } from "./wall-clock.js";

export type SlotRules = Pick<ScheduleDefinition, "timeZone" | "effectiveFrom" | "effectiveUntil" | "rules" | "exceptions">;

/** Slots starting at or after `from` and before `until`. */
export interface GenerationWindow {
  from: Date;
  until: Date;
}

/**
 * The slots a schedule's rules make in a window, earliest first. Rules are
 * local wall-clock times; the time-zone library turns each into an instant:
 *
 * - a slot whose local start does not exist (the spring-forward gap) is not made;
 * - a local start that exists twice (the fall-back hour) is its first
 *   occurrence, so the repeated hour gets no second set of slots;
 * - a slot is made only when no change of offset falls inside it, so a slot
 *   lasts exactly its length on the wall clock and in real time, and the
 *   slots of one clinician never overlap whatever the transitions.
 *
 * Pure: the same rules and window always give the same slots, which is what
 * lets regeneration and the extension worker compare and re-insert them.
 */
export function generateSlots(rules: SlotRules, window: GenerationWindow): GeneratedSlot[] {
  const zone = rules.timeZone;
  const from = window.from.getTime();
  const until = window.until.getTime();
  if (until <= from) return [];
  // A local date's slots can start up to a day either side of the same UTC
  // date, so the dates a day around the window are all looked at.
  const firstLocal = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone).toPlainDate().subtract({ days: 1 });
  const lastLocal = Temporal.Instant.fromEpochMilliseconds(until).toZonedDateTimeISO(zone).toPlainDate().add({ days: 1 });
  const effectiveFrom = Temporal.PlainDate.from(rules.effectiveFrom);
  let date = Temporal.PlainDate.compare(effectiveFrom, firstLocal) > 0 ? effectiveFrom : firstLocal;
  let last = lastLocal;
  if (rules.effectiveUntil !== null) {
    const effectiveUntil = Temporal.PlainDate.from(rules.effectiveUntil);
    if (Temporal.PlainDate.compare(effectiveUntil, last) < 0) last = effectiveUntil;
  }
  const exceptions = new Map<string, ScheduleException>(rules.exceptions.map((exception) => [exception.date, exception]));
  const slots: GeneratedSlot[] = [];
  for (; Temporal.PlainDate.compare(date, last) <= 0; date = date.add({ days: 1 })) {
    for (const hours of hoursOn(date, rules, exceptions)) {
      for (const slot of slotsOf(date, hours, zone)) {
        const start = slot.startTime.getTime();
        if (start >= from && start < until) slots.push(slot);
      }
    }
  }
  return slots.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

function hoursOn(date: Temporal.PlainDate, rules: SlotRules, exceptions: Map<string, ScheduleException>): WorkingHours[] {
  const exception = exceptions.get(date.toString());
  const weekday = weekdays[date.dayOfWeek - 1]!;
  const weekly = exception?.closed ? [] : rules.rules.filter((rule) => rule.weekdays.includes(weekday));
  return [...weekly, ...(exception?.hours ?? [])];
}

function* slotsOf(date: Temporal.PlainDate, hours: WorkingHours, zone: string): Generator<GeneratedSlot> {
  const end = minutesOfDay(hours.end);
  const step = hours.slotMinutes + hours.bufferMinutes;
  for (let minute = minutesOfDay(hours.start); minute + hours.slotMinutes <= end; minute += step) {
    const wall = date.toPlainDateTime({ hour: Math.floor(minute / 60), minute: minute % 60 });
    const start = wall.toZonedDateTime(zone, { disambiguation: "earlier" });
    // In the gap the library moves the time past it: such a start does not exist.
    if (!start.toPlainDateTime().equals(wall)) continue;
    const finish = start.add({ minutes: hours.slotMinutes });
    const transition = start.getTimeZoneTransition("next");
    if (transition !== null && Temporal.ZonedDateTime.compare(transition, finish) < 0) continue;
    yield {
      startTime: new Date(start.epochMilliseconds),
      endTime: new Date(finish.epochMilliseconds),
      capacity: hours.capacity,
    };
  }
}
