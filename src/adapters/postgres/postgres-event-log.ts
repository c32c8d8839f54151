import { feedStart, type EventPosition } from "../../core/feed/event-position.js";
import type { EventFilter } from "../../core/feed/feed-event.js";
import type { EventLog, FeedRead } from "../../core/ports/event-log.js";
import type { Queryable } from "./pool.js";
import { feedHead } from "./sql/feed-head.js";
import { readEventsAfter } from "./sql/read-events-after.js";
import { translated } from "./translate-error.js";

export class PostgresEventLog implements EventLog {
  constructor(private readonly db: Queryable) {}

  readAfter(after: EventPosition, options: { upTo?: EventPosition; filter?: EventFilter; limit: number }): Promise<FeedRead> {
    return translated(async () => {
      const events = await readEventsAfter(this.db, after, options);
      // Only the head's reader asks whether anything waits: a bounded read
      // stops at what was already published.
      const unbounded = options.upTo === undefined && events.length < options.limit;
      const withheld = unbounded ? (await feedHead(this.db)).withheld : false;
      return { events, withheld };
    });
  }

  latest(): Promise<EventPosition> {
    return translated(async () => (await feedHead(this.db)).latest ?? feedStart);
  }
}
