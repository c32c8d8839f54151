import { SchedError } from "../../core/errors.js";
import { positiveInteger } from "../flags/flag-values.js";
import type { SeedPlan } from "../../app/seed/seed-plan.js";

export interface SeedFlags {
  clinicians: string;
  patients: string;
  weeks: string;
  slotMinutes: string;
  dayStart: string;
  dayEnd: string;
  startDate?: string;
  capacity: string;
  batchSize: string;
}

export function seedPlan(flags: SeedFlags, today = new Date()): SeedPlan {
  const plan: SeedPlan = {
    clinicians: positiveInteger("--clinicians", flags.clinicians),
    patients: positiveInteger("--patients", flags.patients),
    weeks: positiveInteger("--weeks", flags.weeks),
    slotMinutes: positiveInteger("--slot-minutes", flags.slotMinutes),
    dayStart: timeOfDay("--day-start", flags.dayStart),
    dayEnd: timeOfDay("--day-end", flags.dayEnd),
    startDate: flags.startDate === undefined ? nextMonday(today) : calendarDate("--start-date", flags.startDate),
    capacity: positiveInteger("--capacity", flags.capacity),
    batchSize: positiveInteger("--batch-size", flags.batchSize),
  };
  if (plan.dayEnd - plan.dayStart < plan.slotMinutes) {
    throw new SchedError(
      "invalid_usage",
      `--day-start ${flags.dayStart} to --day-end ${flags.dayEnd} leaves no room for a ${plan.slotMinutes}-minute slot`,
    );
  }
  return plan;
}

function timeOfDay(name: string, text: string): number {
  const match = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(text);
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  if (!(minutes <= 24 * 60)) throw new SchedError("invalid_usage", `${name}: ${JSON.stringify(text)} is not a time of day (HH:MM, UTC)`);
  return minutes;
}

function calendarDate(name: string, text: string): Date {
  const date = new Date(`${text}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new SchedError("invalid_usage", `${name}: ${JSON.stringify(text)} is not a date (YYYY-MM-DD)`);
  }
  return date;
}

// Strictly after today, so that a default seed never starts with slots that
// are already over.
function nextMonday(today: Date): Date {
  const daysAhead = (8 - today.getUTCDay()) % 7 || 7;
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + daysAhead));
}
