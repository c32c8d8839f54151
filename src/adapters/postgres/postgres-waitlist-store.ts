import type pg from "pg";
import type { NewWaitlistEntry, WaitlistFilter } from "../../core/model/waitlist.js";
import type { WaitlistStore } from "../../core/ports/waitlist-store.js";
import { countWaitlistEntries } from "./sql/count-waitlist-entries.js";
import { findWaitlistEntry } from "./sql/find-waitlist-entry.js";
import { joinWaitlist } from "./sql/join-waitlist.js";
import { leaveWaitlist } from "./sql/leave-waitlist.js";
import { listWaitlist } from "./sql/list-waitlist.js";
import { inTransaction } from "./transaction.js";
import { translated } from "./translate-error.js";

/** `committed` as for the appointment store: a join may commit an offer and its events. */
export class PostgresWaitlistStore implements WaitlistStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly committed: () => void = () => undefined,
  ) {}

  async join(entry: NewWaitlistEntry) {
    const joined = await translated(() => inTransaction(this.pool, (client) => joinWaitlist(client, entry)));
    if (joined.appointmentId !== null) this.committed();
    return joined;
  }

  leave(id: string, ownedBy?: string) {
    return translated(() => leaveWaitlist(this.pool, id, ownedBy));
  }

  find(id: string) {
    return translated(() => findWaitlistEntry(this.pool, id));
  }

  list(filter: WaitlistFilter, page: { limit: number; offset: number }) {
    return translated(() => listWaitlist(this.pool, filter, page));
  }

  counts() {
    return translated(() => countWaitlistEntries(this.pool));
  }
}
