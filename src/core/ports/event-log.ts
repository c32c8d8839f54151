import type { EventPosition } from "../feed/event-position.js";
import type { EventFilter, FeedEvent } from "../feed/feed-event.js";

export interface FeedRead {
  /** Events after the position asked for, in feed order, only those no transaction in progress can still precede. */
  events: FeedEvent[];
  /** True when committed events exist that wait for an older transaction still in progress. */
  withheld: boolean;
}

/** The audit log read as a feed (docs/architecture.md, The event feed). */
export interface EventLog {
  /**
   * Up to `limit` published events after `after` and, when `upTo` is given, at
   * or before it, matching `filter` when one is given.
   */
  readAfter(after: EventPosition, options: { upTo?: EventPosition; filter?: EventFilter; limit: number }): Promise<FeedRead>;
  /** The position of the last published event, or the feed's start when there is none. */
  latest(): Promise<EventPosition>;
}

/** Wakes the feed when events may have been written: a notification from any process, or a periodic safety poll. */
export interface ChangeWakes {
  /** Calls `listener` on every wake until the returned function is called. */
  subscribe(listener: () => void): () => void;
}
