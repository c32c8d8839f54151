import { createCliLogger } from "../../app/cli-logger.js";
import { ensureDemoData } from "../../app/dev/demo-data.js";
import { openDevDatabase } from "../../app/dev/dev-database.js";
import { devSlotLock } from "../../app/dev/dev-slot-lock.js";
import { createExpiryWorker } from "../../app/expiry-worker.js";
import { createWebhookWorker } from "../../app/webhook-worker.js";
import { requireFreePort } from "../../app/port-in-use.js";
import { startApi } from "../../app/start-api.js";
import type { Config, LoadConfigOptions } from "../../config/config.js";
import { nextStopSignal } from "../stop-signal.js";
import { devBanner } from "./dev-banner.js";

export interface DevOptions {
  config: Config;
  /** Where `config` came from, to tell a configured Redis from the default address. */
  configSource: LoadConfigOptions;
  dataDir: string;
  reset: boolean;
  host: string;
}

/**
 * Database, API, demo data, expiry worker and webhook worker in one process,
 * stopped in the reverse order on SIGINT or SIGTERM (a second signal ends it
 * at once).
 */
export async function runDev({ config, configSource, dataDir, reset, host }: DevOptions): Promise<void> {
  const logger = createCliLogger(config.appEnv);
  const stops: Array<() => Promise<void>> = [];
  try {
    await requireFreePort(config.httpPort, host);
    const database = await openDevDatabase({ postgresDsn: config.postgresDsn, dataDir, reset, logger });
    stops.push(() => database.close());
    const { lock, description: lockDescription } = devSlotLock(config, configSource);
    // The embedded database takes one client (poolSize 1): no LISTEN connection beside the pool.
    const api = await startApi({ config: { ...config, postgresDsn: database.dsn }, logger, host, lock, poolSize: database.poolSize, feedListens: database.poolSize !== 1 });
    stops.push(() => api.runtime.close(), () => api.server.close(config.shutdownTimeoutMs));
    const demo = await ensureDemoData(api.runtime.pool, api.runtime.core);
    const worker = createExpiryWorker({ config, logger, pool: api.runtime.pool, announce: api.runtime.announce });
    worker.loop.start();
    stops.push(() => worker.close());
    // Woken by the API's own announcements: the embedded database takes no LISTEN connection.
    const webhooks = createWebhookWorker({ config, logger, pool: api.runtime.pool, wakes: api.runtime.wakes });
    webhooks.loop.start();
    stops.push(() => webhooks.close());
    const address = `${displayHost(host)}:${api.server.port}`;
    logger.info({ url: api.url, port: api.server.port, data: database.location, demo_seeded: demo.seeded }, "sched dev serving");
    process.stdout.write(
      devBanner({
        address,
        embedded: database.embedded,
        dataLocation: database.location,
        lockDescription,
        bookings: demo.bookings,
        startupMs: performance.now(),
      }),
    );
    const signal = await nextStopSignal();
    logger.info({ signal, drain_ms: config.shutdownTimeoutMs }, "shutting down: finishing requests under way");
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
  logger.info({}, "stopped");
}

// What a person types: "localhost" reaches a loopback or wildcard listener.
function displayHost(host: string): string {
  if (["127.0.0.1", "::1", "0.0.0.0", "::", "localhost"].includes(host)) return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}
