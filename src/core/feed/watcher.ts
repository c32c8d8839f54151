import type { EventPosition } from "./event-position.js";
import { matchesFilter, type EventFilter, type FeedEvent } from "./feed-event.js";
import { comparePositions } from "./event-position.js";

/**
 * One open stream's live state: the events the feed has handed it and that it
 * has not sent yet, at most `capacity` of them. A watcher that falls further
 * behind is marked overflowed and is handed nothing more; its stream sends
 * what it holds and ends with the position to resume from.
 */
export class Watcher {
  private queue: FeedEvent[] = [];
  private wake: (() => void) | undefined;
  overflowed = false;

  constructor(
    readonly filter: EventFilter,
    /** Events at or before this were sent already (or were before the stream's start). */
    public cursor: EventPosition,
    private readonly capacity: number,
  ) {}

  /** Called by the feed, in feed order, for every published event. */
  offer(event: FeedEvent): void {
    if (this.overflowed || comparePositions(event.at, this.cursor) <= 0 || !matchesFilter(this.filter, event)) return;
    if (this.queue.length >= this.capacity) {
      this.overflowed = true;
    } else {
      this.queue.push(event);
    }
    this.notify();
  }

  /** Everything queued, emptying the queue. */
  take(): FeedEvent[] {
    const taken = this.queue;
    this.queue = [];
    return taken;
  }

  /** Resolves when something was offered (or the feed stopped), or when `signal` aborts. */
  async waitForMore(signal: AbortSignal): Promise<void> {
    if (this.queue.length > 0 || this.overflowed || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }

  notify(): void {
    this.wake?.();
  }
}
