import type pg from "pg";
import { ChangeSignal } from "../adapters/postgres/change-signal.js";
import { PostgresAppointmentStore } from "../adapters/postgres/postgres-appointment-store.js";
import { PostgresScheduleStore } from "../adapters/postgres/postgres-schedule-store.js";
import { createPool } from "../adapters/postgres/pool.js";
import { waitlistSessionSettings } from "../adapters/postgres/waitlist-settings.js";
import type { Config } from "../config/config.js";
import type { Logger } from "../core/ports/logger.js";
import { HoldExpiry } from "../core/services/hold-expiry.js";
import { Schedules } from "../core/services/schedules.js";
import { ExpiryLoop } from "../worker/expiry-loop.js";

export interface ExpiryWorker {
  loop: ExpiryLoop;
  /** The pool the loop runs on. */
  pool: pg.Pool;
  /** Stops the loop, then closes the pool if the worker opened it. */
  close(): Promise<void>;
}

export interface ExpiryWorkerOptions {
  config: Config;
  logger: Logger;
  batchSize?: number;
  /** A pool to share (`sched dev`); without it the worker opens two connections of its own. */
  pool?: pg.Pool;
  /** Announces committed expiries to the event feed (`sched dev` shares its API's); without it the worker notifies on its pool. */
  announce?: () => void;
}

/** The hold-expiry loop, with the extension of the schedules' slots, on PostgreSQL: what `sched expiry-worker` runs, and `sched dev` beside its API. */
export function createExpiryWorker({ config, logger, batchSize, pool, announce }: ExpiryWorkerOptions): ExpiryWorker {
  const ownPool =
    pool === undefined
      ? createPool(config.postgresDsn as string, {
          max: 2,
          connectionTimeoutMs: config.postgresConnectTimeoutMs,
          queryTimeoutMs: config.postgresQueryTimeoutMs,
          logger,
          applicationName: "sched-expiry-worker",
          // Expiring an offer offers its place to the next waiting patient, with the API's settings.
          sessionSettings: waitlistSessionSettings({ offerTtlMs: config.waitlistOfferTtlMs, holdCap: config.maxActiveHoldsPerPatient }),
        })
      : undefined;
  const changes = announce === undefined ? new ChangeSignal({ pool: pool ?? ownPool!, pollMs: config.eventFeedPollMs, logger }) : undefined;
  const loop = new ExpiryLoop({
    expiry: new HoldExpiry(new PostgresAppointmentStore(pool ?? ownPool!, announce ?? (() => changes!.announce()))),
    intervalMs: config.workerIntervalMs,
    batchSize,
    logger,
    schedules: new Schedules({ store: new PostgresScheduleStore(pool ?? ownPool!), horizonMs: config.scheduleHorizonMs }),
  });
  return {
    loop,
    pool: pool ?? ownPool!,
    async close() {
      await loop.stop();
      await changes?.close();
      await ownPool?.end();
    },
  };
}
