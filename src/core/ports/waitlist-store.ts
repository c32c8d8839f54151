import type { NewWaitlistEntry, WaitlistCounts, WaitlistEntry, WaitlistFilter, WaitlistPage } from "../model/waitlist.js";

/**
 * The waiting list. Offers are made by the database itself in the transaction
 * that frees a place (docs/architecture.md, The waiting list); the store only
 * adds, removes and reads entries.
 */
export interface WaitlistStore {
  /**
   * Adds the entry and, in the same transaction, offers it a place that is
   * free already. patient_not_found, slot_not_found, clinician_not_found,
   * slot_in_past, waitlist_entry_exists.
   */
  join(entry: NewWaitlistEntry): Promise<WaitlistEntry>;
  /** The entry, now left; undefined when it is not waiting (or, with `ownedBy`, not that patient's). */
  leave(id: string, ownedBy?: string): Promise<WaitlistEntry | undefined>;
  find(id: string): Promise<WaitlistEntry | undefined>;
  /** In queue order: highest priority first, then oldest. */
  list(filter: WaitlistFilter, page: { limit: number; offset: number }): Promise<WaitlistPage>;
  counts(): Promise<WaitlistCounts>;
}
