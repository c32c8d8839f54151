import type { Caller } from "../access/caller.js";
import { requireStaffOrService } from "../access/policy.js";
import { SchedError } from "../errors.js";
import { requireUuid } from "../ids.js";
import type { NewSlot, Slot, SlotPage } from "../model/slot.js";
import { pageOf } from "../paging.js";
import { requirePlainText } from "../text.js";
import type { SlotStore } from "../ports/slot-store.js";

export interface SlotInput {
  clinicianId?: string | undefined;
  startTime?: Date | undefined;
  endTime?: Date | undefined;
  /** Absent means the default of 1. */
  capacity?: number | undefined;
}

export interface SlotSearchInput {
  clinicianId?: string | undefined;
  specialty?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only open slots with capacity left. */
  available?: boolean | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** Keeps one call to one bounded statement; a larger calendar is several calls. */
export const maxSlotsPerCall = 1000;
// The largest value of PostgreSQL's integer column.
const maxCapacity = 2_147_483_647;
const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;
/** Days ahead a slot may start unless configured (SLOT_HORIZON_DAYS): two years. */
export const defaultSlotHorizonDays = 730;
// A day back leaves room to record what happened this morning in any time
// zone; nothing older is a calendar, and no appointment lasts longer than a day.
const maxPastMs = dayMs;
const maxLengthMs = dayMs;

interface TimeBounds {
  earliestStart: Date;
  latestStart: Date;
}

function requireTime(value: Date | undefined, what: string): Date {
  if (value === undefined) throw new SchedError("invalid_argument", `${what} is required`);
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new SchedError("invalid_argument", `${what} is not a valid time`);
  }
  return value;
}

function optionalTime(value: Date | undefined, what: string): Date | undefined {
  return value === undefined ? undefined : requireTime(value, what);
}

function slotCapacity(capacity: number | undefined, what: string): number {
  if (capacity === undefined) return 1;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > maxCapacity) {
    throw new SchedError("invalid_capacity", `${what} must be a whole number from 1 to ${maxCapacity}, got ${capacity}`);
  }
  return capacity;
}

// The database refuses all of these too; checking here first gives the caller
// the precise code and names the offending slot of a batch.
function toNewSlot(input: SlotInput, bounds: TimeBounds, describe: (what: string) => string): NewSlot {
  const clinicianId = requireUuid(input.clinicianId, "invalid_clinician_id", describe("clinician id"));
  const startTime = requireTime(input.startTime, describe("start time"));
  const endTime = requireTime(input.endTime, describe("end time"));
  if (endTime.getTime() <= startTime.getTime()) {
    throw new SchedError("invalid_time_range", `${describe("end time")} must be after its start time`);
  }
  if (endTime.getTime() - startTime.getTime() > maxLengthMs) {
    throw new SchedError("invalid_time_range", `${describe("slot")} lasts longer than 24 hours`);
  }
  if (startTime.getTime() < bounds.earliestStart.getTime()) {
    throw new SchedError("invalid_time_range", `${describe("start time")} is more than a day in the past (earliest ${bounds.earliestStart.toISOString()})`);
  }
  if (startTime.getTime() > bounds.latestStart.getTime()) {
    throw new SchedError("invalid_time_range", `${describe("start time")} is beyond the booking horizon (latest ${bounds.latestStart.toISOString()})`);
  }
  return { clinicianId, startTime, endTime, capacity: slotCapacity(input.capacity, describe("capacity")) };
}

/**
 * The clinicians' calendars: checks what callers send before the store sees
 * it. Everyone may read them, since availability carries no patient's
 * identity; only staff and services may change them.
 */
export class Slots {
  private readonly store: SlotStore;
  private readonly horizonMs: number;
  private readonly now: () => number;

  constructor({ store, horizonDays = defaultSlotHorizonDays, now = Date.now }: { store: SlotStore; horizonDays?: number; now?: () => number }) {
    this.store = store;
    this.horizonMs = horizonDays * dayMs;
    this.now = now;
  }

  /** All or nothing, returned in the order given. */
  async createSlots(caller: Caller, inputs: SlotInput[]): Promise<Slot[]> {
    requireStaffOrService(caller, "create slots");
    if (inputs.length === 0 || inputs.length > maxSlotsPerCall) {
      throw new SchedError("invalid_argument", `give from 1 to ${maxSlotsPerCall} slots per call, got ${inputs.length}`);
    }
    const batch = inputs.length > 1;
    const now = this.now();
    const bounds = { earliestStart: new Date(now - maxPastMs), latestStart: new Date(now + this.horizonMs) };
    const slots = inputs.map((input, index) =>
      toNewSlot(input, bounds, (what) => (batch ? `${what} of slot ${index + 1}` : what)),
    );
    return this.store.createSlots(slots);
  }

  async getSlot(_caller: Caller, id: string | undefined): Promise<Slot> {
    return this.store.getSlot(requireUuid(id, "invalid_slot_id", "slot id"));
  }

  async searchSlots(_caller: Caller, input: SlotSearchInput = {}): Promise<SlotPage> {
    const clinicianId = input.clinicianId ? requireUuid(input.clinicianId, "invalid_clinician_id", "clinician id") : undefined;
    const from = optionalTime(input.from, "from");
    const to = optionalTime(input.to, "to");
    if (from && to && from.getTime() >= to.getTime()) {
      throw new SchedError("invalid_time_range", "from must be before to");
    }
    return this.store.searchSlots({
      clinicianId,
      specialty: requirePlainText(input.specialty, "specialty")?.trim() || undefined,
      from,
      to,
      availableOnly: input.available === true,
      ...pageOf(input),
    });
  }

  async blockSlot(caller: Caller, id: string | undefined): Promise<Slot> {
    requireStaffOrService(caller, "block slots");
    return this.store.setSlotStatus(requireUuid(id, "invalid_slot_id", "slot id"), "blocked");
  }

  async unblockSlot(caller: Caller, id: string | undefined): Promise<Slot> {
    requireStaffOrService(caller, "unblock slots");
    return this.store.setSlotStatus(requireUuid(id, "invalid_slot_id", "slot id"), "open");
  }
}
