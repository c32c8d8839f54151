import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DeliveryFigures } from "../../core/model/webhook.js";

export interface ServerMetrics {
  registry: Registry;
  /** By protocol, procedure and code (an RPC code name, or the HTTP status of REST calls). */
  requests: Counter<"protocol" | "procedure" | "code">;
  requestSeconds: Histogram<"protocol" | "procedure" | "code">;
  /** "created", "replayed" (an idempotent retry answered with the first booking), or the error reason that refused it. */
  bookings: Counter<"outcome">;
  /** acquired, busy or unavailable. */
  slotLocks: Counter<"outcome">;
  /** Places bookings and moves took beyond a slot's capacity, each once, by procedure (CreateAppointment, RescheduleAppointment). */
  overbookings: Counter<"procedure">;
  /** WatchEvents and /events/stream streams open now, over every protocol. */
  watchStreams: Gauge;
  /** Events sent to those streams. */
  watchEventsSent: Counter;
  /** Streams ended with watch_buffer_full: they fell more than WATCH_BUFFER events behind. */
  watchBufferFull: Counter;
}


/** What pg.Pool reports about its connections. */
export interface PoolUsage {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

const requestLabels = ["protocol", "procedure", "code"] as const;

// Fast reads take about a millisecond; a booking queued behind a slot's row
// lock or a slow PostgreSQL takes seconds.
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One registry per server, so that several servers in one process (tests,
 * `sched dev`) never share or double-register a metric.
 */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // The exact Node release tells a scraper which published vulnerabilities
  // apply; nobody operating sched needs it from here.
  registry.removeSingleMetric("nodejs_version_info");
  return {
    registry,
    requests: new Counter({
      name: "sched_requests_total",
      help: "Requests answered, by protocol, procedure and code",
      labelNames: requestLabels,
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: "sched_request_duration_seconds",
      help: "Time from a request's arrival to the end of its answer",
      labelNames: requestLabels,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    bookings: new Counter({
      name: "sched_bookings_total",
      help: "Booking attempts, by outcome: created, replayed (an idempotent retry) or the error reason",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    slotLocks: new Counter({
      name: "sched_slot_lock_attempts_total",
      help: "Slot-lock attempts before a booking, by outcome: acquired, busy or unavailable",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    overbookings: new Counter({
      name: "sched_overbookings_total",
      help: "Places staff took beyond a slot's capacity with an overbooking reason, by procedure",
      labelNames: ["procedure"],
      registers: [registry],
    }),
    watchStreams: new Gauge({
      name: "sched_watch_streams",
      help: "WatchEvents and /events/stream streams open now",
      registers: [registry],
    }),
    watchEventsSent: new Counter({
      name: "sched_watch_events_sent_total",
      help: "Events sent to WatchEvents and /events/stream streams",
      registers: [registry],
    }),
    watchBufferFull: new Counter({
      name: "sched_watch_buffer_full_total",
      help: "Streams ended with watch_buffer_full: they fell more than WATCH_BUFFER events behind",
      registers: [registry],
    }),
  };
}

/**
 * Gauges of every webhook's deliveries, read from the database at scrape
 * time (one read per scrape serves both), so that every instance reports the
 * same figures whichever webhook-worker did the work: aggregate them across
 * instances with max, not sum. While the database does not answer they keep
 * their last values, and the rest of /metrics is served as ever.
 */
export function registerWebhookGauges(registry: Registry, read: () => Promise<DeliveryFigures>): void {
  let scrape: { at: number; figures: Promise<DeliveryFigures | undefined> } | undefined;
  const figures = (): Promise<DeliveryFigures | undefined> => {
    if (scrape === undefined || Date.now() - scrape.at > 1_000) scrape = { at: Date.now(), figures: read().catch(() => undefined) };
    return scrape.figures;
  };
  new Gauge({
    name: "sched_webhook_deliveries",
    help: "Webhook deliveries by state: delivered, retrying (a try failed, another is due), dead (dead-lettered), waiting (not tried yet)",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const read = await figures();
      if (read === undefined) return;
      const { delivered, dead, retrying, waiting } = read;
      this.set({ state: "delivered" }, delivered);
      this.set({ state: "retrying" }, retrying);
      this.set({ state: "dead" }, dead);
      this.set({ state: "waiting" }, waiting);
    },
  });
  new Gauge({
    name: "sched_webhook_oldest_undelivered_seconds",
    help: "How long the oldest undelivered (pending) webhook delivery has waited; 0 when none",
    registers: [registry],
    async collect() {
      const read = await figures();
      if (read !== undefined) this.set(read.oldestUndeliveredSeconds);
    },
  });
}

/** Gauges read from the pool at scrape time. */
export function registerPoolGauges(registry: Registry, pool: PoolUsage): void {
  const gauges: Array<[string, string, () => number]> = [
    ["sched_pg_pool_connections", "PostgreSQL connections open in the pool", () => pool.totalCount],
    ["sched_pg_pool_idle_connections", "PostgreSQL connections idle in the pool", () => pool.idleCount],
    ["sched_pg_pool_waiting_requests", "Queries waiting for a PostgreSQL connection", () => pool.waitingCount],
  ];
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }
}
