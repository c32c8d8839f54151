import type { SeedPlan } from "./seed-plan.js";

/** One clinician's slots, as RFC 3339 texts; every seeded clinician works the same hours. */
export interface WorkingSchedule {
  startTimes: string[];
  endTimes: string[];
}

const minute = 60_000;
const day = 24 * 60 * minute;

/** Weekday slots (Monday to Friday, UTC) from the plan's start date for its number of weeks. */
export function workingSchedule(plan: SeedPlan): WorkingSchedule {
  const schedule: WorkingSchedule = { startTimes: [], endTimes: [] };
  for (let dayIndex = 0; dayIndex < plan.weeks * 7; dayIndex += 1) {
    const midnight = plan.startDate.getTime() + dayIndex * day;
    const weekday = new Date(midnight).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    for (let start = plan.dayStart; start + plan.slotMinutes <= plan.dayEnd; start += plan.slotMinutes) {
      schedule.startTimes.push(new Date(midnight + start * minute).toISOString());
      schedule.endTimes.push(new Date(midnight + (start + plan.slotMinutes) * minute).toISOString());
    }
  }
  return schedule;
}
