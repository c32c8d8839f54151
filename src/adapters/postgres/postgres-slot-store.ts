import type { NewSlot, Slot, SlotPage, SlotSearch, SlotStatus } from "../../core/model/slot.js";
import type { SlotStore } from "../../core/ports/slot-store.js";
import type { Queryable } from "./pool.js";
import { createSlots } from "./sql/create-slots.js";
import { getSlot } from "./sql/get-slot.js";
import { searchSlots } from "./sql/search-slots.js";
import { setSlotStatus } from "./sql/set-slot-status.js";

export class PostgresSlotStore implements SlotStore {
  /**
   * `committed` announces a status change to the event feed after it
   * committed: an unblocked slot may have offered its places to the waiting
   * list (migration 0013), whose events the streams should not wait a poll for.
   */
  constructor(
    private readonly db: Queryable,
    private readonly committed: () => void = () => undefined,
  ) {}

  createSlots(slots: NewSlot[]): Promise<Slot[]> {
    return createSlots(this.db, slots);
  }

  getSlot(id: string): Promise<Slot> {
    return getSlot(this.db, id);
  }

  searchSlots(search: SlotSearch): Promise<SlotPage> {
    return searchSlots(this.db, search);
  }

  async setSlotStatus(id: string, status: Exclude<SlotStatus, "deleted">): Promise<Slot> {
    const slot = await setSlotStatus(this.db, id, status);
    if (status === "open") this.committed();
    return slot;
  }
}
