import type pg from "pg";
import { ChangeSignal } from "../adapters/postgres/change-signal.js";
import { PostgresEventLog } from "../adapters/postgres/postgres-event-log.js";
import { PostgresAppointmentStore } from "../adapters/postgres/postgres-appointment-store.js";
import { PostgresDirectoryStore } from "../adapters/postgres/postgres-directory-store.js";
import { PostgresIdempotencyStore } from "../adapters/postgres/postgres-idempotency-store.js";
import { PostgresScheduleStore } from "../adapters/postgres/postgres-schedule-store.js";
import { PostgresSlotStore } from "../adapters/postgres/postgres-slot-store.js";
import { createPool } from "../adapters/postgres/pool.js";
import { PostgresWaitlistStore } from "../adapters/postgres/postgres-waitlist-store.js";
import { waitlistSessionSettings } from "../adapters/postgres/waitlist-settings.js";
import { createRedisConnection, type RedisConnection } from "../adapters/redis/create-redis-client.js";
import { RedisSlotLock } from "../adapters/redis/redis-slot-lock.js";
import type { Config } from "../config/config.js";
import type { ChangeWakes } from "../core/ports/event-log.js";
import type { Logger } from "../core/ports/logger.js";
import type { SlotLock } from "../core/ports/slot-lock.js";
import { Appointments } from "../core/services/appointments.js";
import { Directory } from "../core/services/directory.js";
import { Schedules } from "../core/services/schedules.js";
import { EventFeed } from "../core/services/event-feed.js";
import { Webhooks } from "../core/services/webhooks.js";
import { PostgresWebhookStore } from "../adapters/postgres/postgres-webhook-store.js";
import { webhookTargets } from "./webhook-targets.js";
import { Slots } from "../core/services/slots.js";
import { Waitlist } from "../core/services/waitlist.js";
import type { CoreServices } from "../core/services/core-services.js";

/** The core wired to its adapters: what `serve` and `expiry-worker` run on. */
export interface CoreRuntime {
  core: CoreServices;
  pool: pg.Pool;
  lock: SlotLock;
  /** The Redis client of the slot lock, for the rate limiter; undefined when a lock was given. */
  redis: RedisConnection | undefined;
  /** Tells the event feed of every process that events were committed. */
  announce(): void;
  /** Wakes on committed events, as the event feed does: for a webhook worker sharing the process (`sched dev`). */
  wakes: ChangeWakes;
  close(): Promise<void>;
}

export interface CoreRuntimeOptions {
  config: Config;
  logger: Logger;
  /** Replaces the Redis lock, for `sched dev` without Redis. */
  lock?: SlotLock;
  /** Wraps whichever lock is used, for instance to count its outcomes. */
  decorateLock?: (lock: SlotLock) => SlotLock;
  poolSize?: number;
  /** False for an embedded database that takes one client: the event feed then opens no LISTEN connection and relies on its own process's announcements and the poll. */
  feedListens?: boolean;
}

/** The composition root: the one place that knows every adapter. */
export function createCoreRuntime({ config, logger, lock, decorateLock, poolSize, feedListens = true }: CoreRuntimeOptions): CoreRuntime {
  if (config.postgresDsn === undefined) throw new Error("POSTGRES_DSN is required");
  const pool = createPool(config.postgresDsn, {
    max: poolSize,
    connectionTimeoutMs: config.postgresConnectTimeoutMs,
    queryTimeoutMs: config.postgresQueryTimeoutMs,
    logger,
    sessionSettings: waitlistSessionSettings({ offerTtlMs: config.waitlistOfferTtlMs, holdCap: config.maxActiveHoldsPerPatient }),
  });
  let redis: RedisConnection | undefined;
  let baseLock: SlotLock;
  if (lock === undefined) {
    redis = createRedisConnection(config.redis);
    baseLock = new RedisSlotLock({ redis, lockTtlMs: config.lockTtlMs, logger });
  } else {
    baseLock = lock;
  }
  const slotLock = decorateLock ? decorateLock(baseLock) : baseLock;
  const changes = new ChangeSignal({
    pool,
    listenDsn: feedListens ? config.postgresDsn : undefined,
    pollMs: config.eventFeedPollMs,
    logger,
  });
  const appointmentStore = new PostgresAppointmentStore(pool, () => changes.announce());
  const events = new EventFeed({ log: new PostgresEventLog(pool), wakes: changes, bufferSize: config.watchBuffer, logger });
  const core: CoreServices = {
    appointments: new Appointments({
      store: appointmentStore,
      idempotency: new PostgresIdempotencyStore(pool),
      lock: slotLock,
      holdTtlMs: config.appointmentTtlMs,
      maxActiveHoldsPerPatient: config.maxActiveHoldsPerPatient,
      overbookLimit: config.overbookLimit,
      logger,
    }),
    slots: new Slots({ store: new PostgresSlotStore(pool, () => changes.announce()), horizonDays: config.slotHorizonDays }),
    directory: new Directory({ store: new PostgresDirectoryStore(pool) }),
    schedules: new Schedules({ store: new PostgresScheduleStore(pool, () => changes.announce()), horizonMs: config.scheduleHorizonMs }),
    events,
    webhooks: new Webhooks({ store: new PostgresWebhookStore(pool), targets: webhookTargets(config) }),
    waitlist: new Waitlist(new PostgresWaitlistStore(pool, () => changes.announce())),
  };
  return {
    core,
    pool,
    lock: slotLock,
    redis,
    announce: () => changes.announce(),
    wakes: changes,
    async close() {
      events.close();
      await changes.close();
      await Promise.allSettled([slotLock.close(), pool.end()]);
    },
  };
}
