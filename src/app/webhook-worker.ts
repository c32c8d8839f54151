import { HttpWebhookSender } from "../adapters/http/http-webhook-sender.js";
import { ChangeSignal } from "../adapters/postgres/change-signal.js";
import { createPool } from "../adapters/postgres/pool.js";
import { PostgresWebhookStore } from "../adapters/postgres/postgres-webhook-store.js";
import type { Config } from "../config/config.js";
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

/** The webhook delivery loop on PostgreSQL: what `sched webhook-worker` runs. */
export function createWebhookWorker({ config, logger }: { config: Config; logger: Logger }): WebhookWorker {
  const pool = createPool(config.postgresDsn as string, {
    max: 4,
    connectionTimeoutMs: config.postgresConnectTimeoutMs,
    queryTimeoutMs: config.postgresQueryTimeoutMs,
    logger,
    applicationName: "sched-webhook-worker",
  });
  const changes = new ChangeSignal({ pool, listenDsn: config.postgresDsn, pollMs: config.eventFeedPollMs, logger });
  const delivery = new WebhookDelivery({
    store: new PostgresWebhookStore(pool),
    sender: new HttpWebhookSender({ targets: webhookTargets(config), timeoutMs: config.webhooks.timeoutMs, renderEvent: appointmentEventJson }),
    maxAttempts: config.webhooks.maxAttempts,
    timeoutMs: config.webhooks.timeoutMs,
    retryBaseMs: config.webhooks.retryBaseMs,
  });
  const loop = new WebhookLoop({ delivery, wakes: changes, idleMs: 1_000, logger });
  return {
    loop,
    delivery,
    pool,
    async close() {
      await loop.stop();
      await changes.close();
      await pool.end();
    },
  };
}
