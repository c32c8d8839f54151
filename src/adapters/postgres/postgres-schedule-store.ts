import type pg from "pg";
import type { Actor } from "../../core/access/caller.js";
import type { GeneratedSlot, Regeneration, Schedule, ScheduleDefinition, SchedulePage } from "../../core/model/schedule.js";
import type { Slot, SlotPage } from "../../core/model/slot.js";
import type { AvailabilitySearch, ScheduleStore, SlotWindow } from "../../core/ports/schedule-store.js";
import { createSchedule } from "./sql/create-schedule.js";
import { extendSchedule } from "./sql/extend-schedule.js";
import { findAvailability } from "./sql/find-availability.js";
import { getSchedule } from "./sql/get-schedule.js";
import { insertScheduleSlots } from "./sql/insert-schedule-slots.js";
import { listScheduleConflicts } from "./sql/list-schedule-conflicts.js";
import { listSchedules } from "./sql/list-schedules.js";
import { lockScheduleSlots } from "./sql/lock-schedule-slots.js";
import { reconcileScheduleSlots } from "./sql/reconcile-schedule-slots.js";
import { schedulesToExtend } from "./sql/schedules-to-extend.js";
import { updateScheduleDefinition } from "./sql/update-schedule-definition.js";
import { inTransaction } from "./transaction.js";
import { translated } from "./translate-error.js";

export class PostgresScheduleStore implements ScheduleStore {
  /**
   * `committed` announces a regeneration to the event feed after it
   * committed: a larger capacity may have offered places to the waiting list
   * (migration 0013), whose events the streams should not wait a poll for.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly committed: () => void = () => undefined,
  ) {}

  createSchedule(definition: ScheduleDefinition, slots: GeneratedSlot[], generatedUntil: Date): Promise<{ schedule: Schedule; created: number }> {
    return createSchedule(this.pool, definition, slots, generatedUntil);
  }

  getSchedule(id: string): Promise<Schedule> {
    return getSchedule(this.pool, id);
  }

  listSchedules(search: { clinicianId?: string | undefined; limit: number; offset: number }): Promise<SchedulePage> {
    return listSchedules(this.pool, search);
  }

  /** One transaction: the definition (version-checked), the slots' locks, the reconciliation, the missing slots. */
  async replaceSchedule(
    id: string,
    version: number,
    definition: ScheduleDefinition,
    slots: GeneratedSlot[],
    window: SlotWindow,
    actor: Actor,
  ): Promise<{ schedule: Schedule; regeneration: Regeneration } | undefined> {
    const replaced = await translated(() =>
      inTransaction(this.pool, async (client) => {
        const schedule = await updateScheduleDefinition(client, id, version, definition, window.until);
        if (schedule === undefined) return undefined;
        await lockScheduleSlots(client, id, window.from);
        const { removed, outside } = await reconcileScheduleSlots(client, id, window.from, slots, actor);
        const created = await insertScheduleSlots(client, id, slots);
        return { schedule, regeneration: { created, removed, outside } };
      }),
    );
    if (replaced !== undefined) this.committed();
    return replaced;
  }

  schedulesToExtend(before: Date, limit: number): Promise<Schedule[]> {
    return schedulesToExtend(this.pool, before, limit);
  }

  extendSchedule(schedule: Schedule, slots: GeneratedSlot[], until: Date): Promise<number | undefined> {
    return extendSchedule(this.pool, schedule, slots, until);
  }

  listConflicts(scheduleId: string, page: { limit: number; offset: number }): Promise<SlotPage> {
    return listScheduleConflicts(this.pool, scheduleId, page);
  }

  findAvailability(search: AvailabilitySearch): Promise<Slot[]> {
    return findAvailability(this.pool, search);
  }
}
