import { HttpWebhookSender } from "../adapters/http/http-webhook-sender.js";
import { ChangeSignal } from "../adapters/postgres/change-signal.js";
import { createPool } from "../adapters/postgres/pool.js";
import { PostgresWebhookStore } from "../adapters/postgres/postgres-webhook-store.js";
import type { Config } from "../config/config.js";
import type { ChangeWakes } from "../core/ports/event-log.js";
import type { Logger } from "../core/ports/logger.js";
import { WebhookDelivery } from "../core/services/webhook-delivery.js";
import { appointmentEventJson } from "../transport/services/event-json.js";
import { WebhookLoop } from "../worker/webhook-loop.js";
import { webhookTargets } from "./webhook-targets.js";
import type pg from "pg";

export interface WebhookWorker {
  loop: WebhookLoop;
  delivery: WebhookDelivery;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface WebhookWorkerOptions {
  config: Config;
  logger: Logger;
  /** A pool to share (`sched dev`); without it the worker opens its own. */
  pool?: pg.Pool;
  /** What wakes the loop when events commit, shared with the API's event feed (`sched dev`); without it the worker listens itself. */
  wakes?: ChangeWakes;
}

/** The webhook delivery loop on PostgreSQL: what `sched webhook-worker` runs, and `sched dev` beside its API. */
export function createWebhookWorker({ config, logger, pool: sharedPool, wakes }: WebhookWorkerOptions): WebhookWorker {
  const ownPool =
    sharedPool === undefined
      ? createPool(config.postgresDsn as string, {
          max: 4,
          connectionTimeoutMs: config.postgresConnectTimeoutMs,
          queryTimeoutMs: config.postgresQueryTimeoutMs,
          logger,
          applicationName: "sched-webhook-worker",
        })
      : undefined;
  const pool = sharedPool ?? ownPool!;
  const changes = wakes === undefined ? new ChangeSignal({ pool, listenDsn: config.postgresDsn, pollMs: config.eventFeedPollMs, logger }) : undefined;
  const delivery = new WebhookDelivery({
    store: new PostgresWebhookStore(pool),
    sender: new HttpWebhookSender({ targets: webhookTargets(config), timeoutMs: config.webhooks.timeoutMs, renderEvent: appointmentEventJson }),
    maxAttempts: config.webhooks.maxAttempts,
    timeoutMs: config.webhooks.timeoutMs,
    retryBaseMs: config.webhooks.retryBaseMs,
  });
  const loop = new WebhookLoop({ delivery, wakes: wakes ?? changes!, idleMs: 1_000, logger });
  return {
    loop,
    delivery,
    pool,
    /** Stops the loop, then closes what the worker opened itself. */
    async close() {
      await loop.stop();
      await changes?.close();
      await ownPool?.end();
    },
  };
}
