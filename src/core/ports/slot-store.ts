import type { NewSlot, Slot, SlotPage, SlotSearch, SlotStatus } from "../model/slot.js";

/** The clinicians' calendars. Methods throw SchedError for domain failures. */
export interface SlotStore {
  /** All or nothing: clinician_not_found, slot_overlaps, invalid_time_range, invalid_capacity. */
  createSlots(slots: NewSlot[]): Promise<Slot[]>;
  /** slot_not_found when there is none. */
  getSlot(id: string): Promise<Slot>;
  searchSlots(search: SlotSearch): Promise<SlotPage>;
  /** slot_not_found; moving a deleted slot is invalid_status_transition. */
  setSlotStatus(id: string, status: Exclude<SlotStatus, "deleted">): Promise<Slot>;
}
