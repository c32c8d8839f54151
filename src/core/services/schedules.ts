import type { Actor, Caller } from "../access/caller.js";
import { requireStaffOrService } from "../access/policy.js";
import { SchedError } from "../errors.js";
import { requireUuid } from "../ids.js";
import type { Schedule, ScheduleDefinition, SchedulePage } from "../model/schedule.js";
import type { Slot, SlotPage } from "../model/slot.js";
import { pageOf, type PageRequest } from "../paging.js";
import type { ScheduleStore, SlotWindow } from "../ports/schedule-store.js";
import {
  checkDate,
  checkDefinition,
  checkException,
  checkRules,
  checkTimeZone,
  type ScheduleExceptionInput,
  type WeeklyRuleInput,
} from "../schedules/check-schedule.js";
import { generateSlots } from "../schedules/generate-slots.js";
import { requirePlainText } from "../text.js";

export interface ScheduleInput {
  clinicianId?: string | undefined;
  timeZone?: string | undefined;
  effectiveFrom?: string | undefined;
  /** Absent or empty: no end. */
  effectiveUntil?: string | undefined;
  rules?: WeeklyRuleInput[] | undefined;
}

/** Absent fields stay as they are; an empty effectiveUntil removes the end; no rules keeps them. */
export interface ScheduleChangeInput {
  timeZone?: string | undefined;
  effectiveFrom?: string | undefined;
  effectiveUntil?: string | undefined;
  rules?: WeeklyRuleInput[] | undefined;
}

export interface AvailabilityInput extends PageRequest {
  specialty?: string | undefined;
  clinicianId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** How far ahead a schedule's slots are made unless configured (SCHEDULE_HORIZON): 8 weeks. */
export const defaultScheduleHorizonMs = 1344 * 60 * 60 * 1000;
// The worker extends a schedule once it falls this far behind the horizon,
// not on every run: one statement per schedule per hour instead of per minute.
const extensionSlackMs = 60 * 60 * 1000;
// A change that keeps losing the race to other changes of the same schedule
// gives up after this many tries rather than looping.
const maxChangeAttempts = 20;

/**
 * Schedules and the slots they make. Staff and services manage them; everyone
 * may read them, as they read the calendar. Every change makes the slots up
 * to the horizon before it answers, so a client sees them at once.
 */
export class Schedules {
  private readonly store: ScheduleStore;
  private readonly horizonMs: number;
  private readonly now: () => number;

  constructor({ store, horizonMs = defaultScheduleHorizonMs, now = Date.now }: { store: ScheduleStore; horizonMs?: number; now?: () => number }) {
    this.store = store;
    this.horizonMs = horizonMs;
    this.now = now;
  }

  async createSchedule(caller: Caller, input: ScheduleInput): Promise<Schedule> {
    requireStaffOrService(caller, "manage schedules");
    const definition = checkDefinition({
      clinicianId: requireUuid(input.clinicianId, "invalid_clinician_id", "clinician id"),
      timeZone: checkTimeZone(input.timeZone),
      effectiveFrom: checkDate(input.effectiveFrom, "effective_from"),
      effectiveUntil: input.effectiveUntil ? checkDate(input.effectiveUntil, "effective_until") : null,
      rules: checkRules(input.rules),
      exceptions: [],
    });
    const window = this.window();
    const { schedule } = await this.store.createSchedule(definition, generateSlots(definition, window), window.until);
    return schedule;
  }

  async updateSchedule(caller: Caller, id: string | undefined, change: ScheduleChangeInput): Promise<Schedule> {
    requireStaffOrService(caller, "manage schedules");
    const timeZone = change.timeZone === undefined ? undefined : checkTimeZone(change.timeZone);
    const effectiveFrom = change.effectiveFrom === undefined ? undefined : checkDate(change.effectiveFrom, "effective_from");
    const effectiveUntil =
      change.effectiveUntil === undefined ? undefined : change.effectiveUntil === "" ? null : checkDate(change.effectiveUntil, "effective_until");
    const rules = change.rules === undefined || change.rules.length === 0 ? undefined : checkRules(change.rules);
    return this.change(caller, requireUuid(id, "invalid_schedule_id", "schedule id"), (current) => ({
      ...current,
      timeZone: timeZone ?? current.timeZone,
      effectiveFrom: effectiveFrom ?? current.effectiveFrom,
      effectiveUntil: effectiveUntil === undefined ? current.effectiveUntil : effectiveUntil,
      rules: rules ?? current.rules,
    }));
  }

  /** An exception for a date that already has one replaces it. */
  async addScheduleException(caller: Caller, scheduleId: string | undefined, input: ScheduleExceptionInput): Promise<Schedule> {
    requireStaffOrService(caller, "manage schedules");
    const exception = checkException(input);
    return this.change(caller, requireUuid(scheduleId, "invalid_schedule_id", "schedule id"), (current) => ({
      ...current,
      exceptions: [...current.exceptions.filter((other) => other.date !== exception.date), exception].sort((a, b) =>
        a.date < b.date ? -1 : 1,
      ),
    }));
  }

  async getSchedule(_caller: Caller, id: string | undefined): Promise<Schedule> {
    return this.store.getSchedule(requireUuid(id, "invalid_schedule_id", "schedule id"));
  }

  async listSchedules(_caller: Caller, input: { clinicianId?: string | undefined } & PageRequest = {}): Promise<SchedulePage> {
    const clinicianId = input.clinicianId ? requireUuid(input.clinicianId, "invalid_clinician_id", "clinician id") : undefined;
    return this.store.listSchedules({ clinicianId, ...pageOf(input) });
  }

  /** Staff's listing of the slots a change left holding appointments outside the schedule. */
  async listConflicts(caller: Caller, scheduleId: string | undefined, page: PageRequest = {}): Promise<SlotPage> {
    requireStaffOrService(caller, "list schedule conflicts");
    const id = requireUuid(scheduleId, "invalid_schedule_id", "schedule id");
    await this.store.getSchedule(id);
    return this.store.listConflicts(id, pageOf(page));
  }

  /** Open slots with room left across clinicians, earliest first; limit 1 is the first available. */
  async findAvailability(_caller: Caller, input: AvailabilityInput = {}): Promise<Slot[]> {
    const clinicianId = input.clinicianId ? requireUuid(input.clinicianId, "invalid_clinician_id", "clinician id") : undefined;
    for (const [what, value] of [["from", input.from], ["to", input.to]] as const) {
      if (value !== undefined && Number.isNaN(value.getTime())) throw new SchedError("invalid_argument", `${what} is not a valid time`);
    }
    // A slot that has started can no longer be booked (slot_in_past).
    const now = new Date(this.now());
    const from = input.from === undefined || input.from.getTime() < now.getTime() ? now : input.from;
    if (input.to !== undefined && input.to.getTime() <= from.getTime()) {
      throw new SchedError("invalid_time_range", "to must be after from (and after now)");
    }
    return this.store.findAvailability({
      specialty: requirePlainText(input.specialty, "specialty")?.trim() || undefined,
      clinicianId,
      from,
      to: input.to,
      ...pageOf(input),
    });
  }

  /**
   * Makes every schedule's slots up to the horizon as days pass: what the
   * worker runs. Each schedule moves only from the point it had reached, and
   * only if nobody moved it meanwhile, so any number of workers may run at
   * once and a second run makes nothing twice. Returns the slots made.
   */
  async extendAll({ batchSize = 100, signal }: { batchSize?: number; signal?: AbortSignal } = {}): Promise<{ schedules: number; slots: number }> {
    const until = new Date(this.now() + this.horizonMs);
    let schedules = 0;
    let slots = 0;
    const seen = new Set<string>();
    while (!signal?.aborted) {
      const due = (await this.store.schedulesToExtend(new Date(until.getTime() - extensionSlackMs), batchSize)).filter((schedule) => !seen.has(schedule.id));
      if (due.length === 0) break;
      for (const schedule of due) {
        seen.add(schedule.id);
        const from = new Date(Math.max(schedule.generatedUntil.getTime(), this.now()));
        const made = await this.store.extendSchedule(schedule, generateSlots(schedule, { from, until }), until);
        if (made === undefined) continue;
        schedules += 1;
        slots += made;
      }
    }
    return { schedules, slots };
  }

  /** Reads, changes and regenerates, again from the new version when another change came first. */
  private async change(actor: Actor, id: string, apply: (current: ScheduleDefinition) => ScheduleDefinition): Promise<Schedule> {
    for (let attempt = 0; attempt < maxChangeAttempts; attempt++) {
      const current = await this.store.getSchedule(id);
      const next = checkDefinition(apply(definitionOf(current)));
      const window = this.window(current.generatedUntil);
      const result = await this.store.replaceSchedule(id, current.version, next, generateSlots(next, window), window, actor);
      if (result !== undefined) return result.schedule;
    }
    throw new SchedError("unavailable", "the schedule kept changing while this change was applied: retry");
  }

  /** From now to the horizon, or further when the schedule already reaches further. */
  private window(generatedUntil?: Date): SlotWindow {
    const now = this.now();
    return { from: new Date(now), until: new Date(Math.max(now + this.horizonMs, generatedUntil?.getTime() ?? 0)) };
  }
}

function definitionOf(schedule: Schedule): ScheduleDefinition {
  const { clinicianId, timeZone, effectiveFrom, effectiveUntil, rules, exceptions } = schedule;
  return { clinicianId, timeZone, effectiveFrom, effectiveUntil, rules, exceptions };
}
