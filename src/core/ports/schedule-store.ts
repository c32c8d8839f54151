import type { Actor } from "../access/caller.js";
import type { GeneratedSlot, Regeneration, Schedule, ScheduleDefinition, SchedulePage } from "../model/schedule.js";
import type { Slot, SlotPage } from "../model/slot.js";

/** Slots starting at or after `from` and before `until`. */
export interface SlotWindow {
  from: Date;
  until: Date;
}

export interface AvailabilitySearch {
  specialty?: string | undefined;
  clinicianId?: string | undefined;
  from: Date;
  to?: Date | undefined;
  limit: number;
  offset: number;
}

/** Schedules and the slots they make. Methods throw SchedError for domain failures. */
export interface ScheduleStore {
  /** The schedule and its slots in one transaction; clinician_not_found. */
  createSchedule(definition: ScheduleDefinition, slots: GeneratedSlot[], generatedUntil: Date): Promise<{ schedule: Schedule; created: number }>;
  /** schedule_not_found when there is none. */
  getSchedule(id: string): Promise<Schedule>;
  listSchedules(search: { clinicianId?: string | undefined; limit: number; offset: number }): Promise<SchedulePage>;
  /**
   * Stores the new definition and regenerates the schedule's slots in the
   * window, in one transaction: unbooked slots it no longer has are removed,
   * booked ones are kept and reported, missing ones are made. Undefined when
   * the schedule is no longer at `version` (changed meanwhile).
   */
  replaceSchedule(
    id: string,
    version: number,
    definition: ScheduleDefinition,
    slots: GeneratedSlot[],
    window: SlotWindow,
    actor: Actor,
  ): Promise<{ schedule: Schedule; regeneration: Regeneration } | undefined>;
  /** Schedules whose slots end before `before`, soonest first. */
  schedulesToExtend(before: Date, limit: number): Promise<Schedule[]>;
  /**
   * Makes the slots and moves generated_until to `until`, only if the
   * schedule is still at `version` with generated_until `from`; the number of
   * slots made, or undefined when another worker or a change came first.
   */
  extendSchedule(schedule: Schedule, slots: GeneratedSlot[], until: Date): Promise<number | undefined>;
  /** The schedule's future slots holding appointments it no longer has. */
  listConflicts(scheduleId: string, page: { limit: number; offset: number }): Promise<SlotPage>;
  /** Open future slots with room left, earliest first. */
  findAvailability(search: AvailabilitySearch): Promise<Slot[]>;
}
