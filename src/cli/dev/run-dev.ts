import { PostgresAppointmentStore } from "../../adapters/postgres/postgres-appointment-store.js";
import type { Config, LoadConfigOptions } from "../../config/config.js";
import { HoldExpiry } from "../../core/services/hold-expiry.js";
import { ExpiryLoop } from "../../worker/expiry-loop.js";
import { createCliLogger } from "../cli-logger.js";
import { nextStopSignal, startApi } from "../commands/serve.js";
import { devBanner } from "./dev-banner.js";
import { openDevDatabase } from "./dev-database.js";
import { devSlotLock } from "./dev-slot-lock.js";
import { ensureDemoData } from "./demo-data.js";

export interface DevOptions {
  config: Config;
  /** Where `config` came from, to tell a configured Redis from the default address. */
  configSource: LoadConfigOptions;
  dataDir: string;
  reset: boolean;
  host: string;
}

/**
 * Database, API, demo data and expiry worker in one process, stopped in the
 * reverse order on SIGINT or SIGTERM (a second signal ends it at once).
 */
export async function runDev({ config, configSource, dataDir, reset, host }: DevOptions): Promise<void> {
  const logger = createCliLogger(config.appEnv);
  const stops: Array<() => Promise<void>> = [];
  try {
    const database = await openDevDatabase({ postgresDsn: config.postgresDsn, dataDir, reset, logger });
    stops.push(() => database.close());
    const { lock, description: lockDescription } = devSlotLock(config, configSource);
    const api = await startApi({ config: { ...config, postgresDsn: database.dsn }, logger, host, lock, poolSize: database.poolSize });
    stops.push(() => api.runtime.close(), () => api.server.close(config.shutdownTimeoutMs));
    const demo = await ensureDemoData(api.runtime.pool, api.runtime.core);
    const worker = new ExpiryLoop({
      expiry: new HoldExpiry(new PostgresAppointmentStore(api.runtime.pool)),
      intervalMs: config.workerIntervalMs,
      logger,
    });
    worker.start();
    stops.push(() => worker.stop());
    const address = `${displayHost(host)}:${api.server.port}`;
    logger.info({ url: api.url, port: api.server.port, data: database.location, demo_seeded: demo.seeded }, "sched dev serving");
    process.stdout.write(
      devBanner({
        address,
        embedded: database.embedded,
        dataLocation: database.location,
        lockDescription,
        booking: demo.booking,
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
