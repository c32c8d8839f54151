import type { NewSlot, Slot, SlotPage, SlotSearch, SlotStatus } from "../../core/model/slot.js";
import type { SlotStore } from "../../core/ports/slot-store.js";
import type { Queryable } from "./pool.js";
import { createSlots } from "./sql/create-slots.js";
import { getSlot } from "./sql/get-slot.js";
import { searchSlots } from "./sql/search-slots.js";
import { setSlotStatus } from "./sql/set-slot-status.js";

export class PostgresSlotStore implements SlotStore {
  constructor(private readonly db: Queryable) {}

  createSlots(slots: NewSlot[]): Promise<Slot[]> {
    return createSlots(this.db, slots);
  }

  getSlot(id: string): Promise<Slot> {
    return getSlot(this.db, id);
  }

  searchSlots(search: SlotSearch): Promise<SlotPage> {
    return searchSlots(this.db, search);
  }

  setSlotStatus(id: string, status: Exclude<SlotStatus, "deleted">): Promise<Slot> {
    return setSlotStatus(this.db, id, status);
  }
}
