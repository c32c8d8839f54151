import type { Caller } from "../access/caller.js";
import { confinedToPatient, requirePatientSelf } from "../access/policy.js";
import { SchedError } from "../errors.js";
import { requireUuid } from "../ids.js";
import type { AppointmentEventType } from "../model/appointment.js";
import { comparePositions, formatPosition, parsePosition, type EventPosition } from "../feed/event-position.js";
import type { EventFilter, FeedEvent } from "../feed/feed-event.js";
import { Watcher } from "../feed/watcher.js";
import type { ChangeWakes, EventLog } from "../ports/event-log.js";
import { silentLogger, type Logger } from "../ports/logger.js";

export interface EventFeedOptions {
  log: EventLog;
  wakes: ChangeWakes;
  /** The most events one stream may have waiting to be sent (WATCH_BUFFER). */
  bufferSize: number;
  /** How soon to read again while committed events wait behind an older transaction still in progress. */
  withheldRetryMs?: number;
  /** Events per read. */
  batchSize?: number;
  logger?: Logger;
}

export interface WatchRequest {
  /** The position to continue after; the current end of the feed when undefined or empty. */
  after?: string | undefined;
  slotId?: string | undefined;
  clinicianId?: string | undefined;
  patientId?: string | undefined;
  eventTypes?: readonly AppointmentEventType[] | undefined;
}

/**
 * Every change as a stream, from the audit log (docs/architecture.md, The
 * event feed). One reader per process follows the log's head: a wake (a
 * notification, or the safety poll) makes it read what was published since,
 * once, and hand each event to every open stream whose filter matches. A
 * stream that starts behind the head first reads its own way up to it, at
 * its own pace, and then joins. No stream polls the database by itself.
 */
export class EventFeed {
  private readonly watchers = new Set<Watcher>();
  private head: EventPosition | undefined;
  private starting: Promise<void> | undefined;
  private reading = false;
  private readAgain = false;
  private withheldTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly batchSize: number;
  private readonly logger: Logger;

  constructor(private readonly options: EventFeedOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * The events after `request.after` that match its filters, then every new
   * one as it is published, until `signal` aborts. A patient sees only its own
   * appointments' events. Ends with watch_buffer_full, carrying the position
   * to resume from, when the stream falls more than bufferSize events behind.
   */
  async *watch(caller: Caller, request: WatchRequest, signal: AbortSignal): AsyncGenerator<FeedEvent> {
    const filter = filterFor(caller, request);
    const after = request.after === undefined || request.after.trim() === "" ? undefined : parsePosition(request.after);
    await this.start();
    let cursor = after ?? this.head!;
    // Catching up: read up to the head the feed has reached, then join it in
    // the same turn of the event loop, so that no event handed out in
    // between is missed. Every event at or before the head is final.
    for (;;) {
      const bound = this.head!;
      while (comparePositions(cursor, bound) < 0) {
        const { events } = await this.options.log.readAfter(cursor, { upTo: bound, filter, limit: this.batchSize });
        for (const event of events) {
          if (signal.aborted) return;
          yield event;
          cursor = event.at;
        }
        if (events.length < this.batchSize) cursor = bound;
      }
      if (signal.aborted) return;
      if (comparePositions(this.head!, bound) === 0) break;
    }
    const watcher = new Watcher(filter, cursor, this.options.bufferSize);
    this.watchers.add(watcher);
    try {
      for (;;) {
        for (const event of watcher.take()) {
          if (signal.aborted) return;
          yield event;
          watcher.cursor = event.at;
        }
        if (watcher.overflowed) {
          const resumeAfter = formatPosition(watcher.cursor);
          throw new SchedError("watch_buffer_full", `the stream fell more than ${this.options.bufferSize} events behind; watch again after ${resumeAfter}`, { resumeAfter });
        }
        await watcher.waitForMore(signal);
        if (signal.aborted) return;
      }
    } finally {
      this.watchers.delete(watcher);
    }
  }

  /** How many streams are following the head now. */
  get liveStreams(): number {
    return this.watchers.size;
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.withheldTimer);
    for (const watcher of this.watchers) watcher.notify();
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      this.unsubscribe = this.options.wakes.subscribe(() => this.refresh());
      this.head = await this.options.log.latest();
    })().catch((error: unknown) => {
      this.unsubscribe?.();
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Reads what was published past the head and hands it out; wakes during a read make it read again. */
  private refresh(): void {
    if (this.head === undefined) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.readHead()
      .catch((error: unknown) => this.logger.warn({ err: error }, "could not read the event feed; the next wake tries again"))
      .finally(() => {
        this.reading = false;
        if (this.readAgain) {
          this.readAgain = false;
          this.refresh();
        }
      });
  }

  private async readHead(): Promise<void> {
    for (;;) {
      const { events, withheld } = await this.options.log.readAfter(this.head!, { limit: this.batchSize });
      // Handing out and moving the head happen in one synchronous step (see watch).
      for (const event of events) for (const watcher of this.watchers) watcher.offer(event);
      if (events.length > 0) this.head = events[events.length - 1]!.at;
      if (events.length === this.batchSize) continue;
      if (withheld && this.withheldTimer === undefined) {
        this.withheldTimer = setTimeout(() => {
          this.withheldTimer = undefined;
          this.refresh();
        }, this.options.withheldRetryMs ?? 50);
        this.withheldTimer.unref?.();
      }
      return;
    }
  }
}

function filterFor(caller: Caller, request: WatchRequest): EventFilter {
  const optionalUuid = (value: string | undefined, code: Parameters<typeof requireUuid>[1], what: string) =>
    value === undefined || value === "" ? undefined : requireUuid(value, code, what);
  let patientId = optionalUuid(request.patientId, "invalid_patient_id", "patient_id");
  if (patientId !== undefined) requirePatientSelf(caller, patientId);
  // A patient sees its own appointments' events, whether or not it asks for them by name.
  patientId ??= confinedToPatient(caller);
  return {
    slotId: optionalUuid(request.slotId, "invalid_slot_id", "slot_id"),
    clinicianId: optionalUuid(request.clinicianId, "invalid_clinician_id", "clinician_id"),
    patientId,
    eventTypes: [...new Set(request.eventTypes ?? [])],
  };
}
