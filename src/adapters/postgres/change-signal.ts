import pg from "pg";
import type { ChangeWakes } from "../../core/ports/event-log.js";
import { silentLogger, type Logger } from "../../core/ports/logger.js";
import type { Queryable } from "./pool.js";

/** The channel every sched process listens on; notifications carry no payload. */
export const changeChannel = "sched_events";

export interface ChangeSignalOptions {
  /** Where announcements are sent from. */
  pool: Queryable;
  /** The DSN of the one listening connection; no LISTEN without it (an embedded database that takes one client). */
  listenDsn?: string | undefined;
  /** The safety poll: a wake this often whatever was heard (EVENT_FEED_POLL). */
  pollMs: number;
  /** At most one NOTIFY per this many milliseconds from this process. */
  announceEveryMs?: number;
  logger?: Logger;
}

/**
 * The feed's wakes for one process: one LISTEN connection, a slow safety
 * poll, and this process's own announcements. Writers announce after their
 * change committed, coalesced to at most one NOTIFY every few milliseconds
 * per process, rather than from a trigger: a NOTIFY takes a lock that
 * serialises the commits of every notifying transaction in the cluster,
 * which would have put every booking's commit in one queue
 * (docs/architecture.md, The event feed). A change made by anything else
 * (psql, a script) is found by the poll.
 */
export class ChangeSignal implements ChangeWakes {
  private readonly listeners = new Set<() => void>();
  private client: pg.Client | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;
  private reconnect: ReturnType<typeof setTimeout> | undefined;
  private announceTimer: ReturnType<typeof setTimeout> | undefined;
  private lastAnnounced = 0;
  private closed = false;
  private readonly logger: Logger;

  constructor(private readonly options: ChangeSignalOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.poll === undefined && !this.closed) {
      this.poll = setInterval(() => this.wake(), this.options.pollMs);
      this.poll.unref();
      this.listen();
    }
    return () => this.listeners.delete(listener);
  }

  /** Tells every process, this one at once, that events were committed. */
  announce(): void {
    this.wake();
    if (this.announceTimer !== undefined || this.closed) return;
    const every = this.options.announceEveryMs ?? 20;
    const wait = Math.max(0, this.lastAnnounced + every - Date.now());
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined;
      this.lastAnnounced = Date.now();
      this.options.pool
        .query(`SELECT pg_notify('${changeChannel}', '')`)
        .catch((error: unknown) => this.logger.warn({ err: error }, "could not announce a change; other processes find it by their poll"));
    }, wait);
    this.announceTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    clearTimeout(this.reconnect);
    clearTimeout(this.announceTimer);
    this.listeners.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private wake(): void {
    for (const listener of this.listeners) listener();
  }

  private listen(): void {
    const dsn = this.options.listenDsn;
    if (dsn === undefined || this.closed) return;
    const client = new pg.Client({ connectionString: dsn, application_name: "sched feed listener", connectionTimeoutMillis: 5_000 });
    this.client = client;
    let lost = false;
    const onLost = (error?: unknown): void => {
      if (lost) return;
      lost = true;
      client.end().catch(() => undefined);
      if (this.closed || this.client !== client) return;
      this.client = undefined;
      if (error !== undefined) this.logger.warn({ err: error }, "the event feed's LISTEN connection was lost; reconnecting");
      this.reconnect = setTimeout(() => this.listen(), 1_000);
      this.reconnect.unref();
    };
    client.on("notification", () => this.wake());
    client.on("error", onLost);
    client.on("end", () => onLost());
    client
      .connect()
      .then(() => client.query(`LISTEN ${changeChannel}`))
      // Whatever was announced while nobody listened.
      .then(() => this.wake())
      .catch(onLost);
  }
}
