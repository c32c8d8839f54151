import { readFileSync } from "node:fs";
import type { SqlReader } from "../adapters/postgres/pending-migrations.js";
import type { PinnedKey } from "../adapters/jwt/verification-key.js";
import { ping } from "../adapters/postgres/sql/ping.js";
import { configurationError } from "../config/config-error.js";
import type { Config, TlsConfig } from "../config/config.js";
import { SchedError } from "../core/errors.js";
import type { Logger } from "../core/ports/logger.js";
import type { SlotLock } from "../core/ports/slot-lock.js";
import { dependencyProbes } from "../transport/health/dependency-probes.js";
import { meteredSlotLock } from "../transport/observability/metered-slot-lock.js";
import { createServerMetrics, registerPoolGauges, registerWebhookGauges } from "../transport/observability/server-metrics.js";
import { registerWaitlistGauges } from "../transport/observability/waitlist-gauges.js";
import { startSchedServer } from "../transport/server/sched-server.js";
import type { RunningServer } from "../transport/server/start-server.js";
import { createCoreRuntime, type CoreRuntime } from "./core-runtime.js";
import { databaseReadiness } from "./database-readiness.js";
import { createEdgeAccess } from "./edge-access.js";
import { listenFailure, requireFreePort } from "./port-in-use.js";

export interface ApiOptions {
  config: Config;
  logger: Logger;
  host: string | undefined;
  /** Replaces the Redis lock, for `sched dev` without Redis. */
  lock?: SlotLock;
  poolSize?: number;
  /** Verifies bearer tokens; without it the API is open to everybody. */
  key?: PinnedKey;
  /** See CoreRuntimeOptions.feedListens. */
  feedListens?: boolean;
}

export interface RunningApi {
  runtime: CoreRuntime;
  server: RunningServer;
  url: string;
}

/** The core on its adapters, served on one port: what `serve` runs, and `dev` too. */
export async function startApi({ config, logger, host, lock, poolSize, key, feedListens }: ApiOptions): Promise<RunningApi> {
  await requireFreePort(config.httpPort, host);
  const metrics = createServerMetrics();
  const runtime = createCoreRuntime({
    config,
    logger,
    lock,
    poolSize,
    feedListens,
    decorateLock: (slotLock) => meteredSlotLock(slotLock, metrics.slotLocks),
  });
  try {
    registerPoolGauges(metrics.registry, runtime.pool);
    registerWebhookGauges(metrics.registry, () => runtime.core.webhooks.deliveryFigures());
    registerWaitlistGauges(metrics.registry, () => runtime.core.waitlist.counts());
    // A lock given in place of Redis's (sched dev) leaves no Redis to check.
    const probes = dependencyProbes({ pingDatabase: () => ping(runtime.pool), lock: lock === undefined ? runtime.lock : undefined });
    await requireCurrentSchema(runtime.pool, logger);
    const tls = config.tls && readTlsFiles(config.tls);
    const access = createEdgeAccess({ security: config.security, key, redis: runtime.redis });
    const server = await startSchedServer({
      core: runtime.core,
      probes,
      metrics,
      logger,
      port: config.httpPort,
      host,
      tls,
      watchLimits: config.healthWatchLimits,
      watchEventsPerAddress: config.watchStreamsPerAddress,
      ...access,
    }).catch((error: unknown) => {
      throw listenFailure(error, config.httpPort) ?? error;
    });
    return { runtime, server, url: `${tls ? "https" : "http"}://${urlHost(host)}:${server.port}` };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}

// An unreachable PostgreSQL is an outage to ride out, reported by
// /health/ready, and so is a database not created yet (requests answer 503
// until it is); a schema older than this code is a deployment mistake.
async function requireCurrentSchema(database: SqlReader, logger: Logger): Promise<void> {
  const readiness = await databaseReadiness(database);
  if (readiness.state === "unreachable") {
    logger.warn({}, "PostgreSQL does not answer: serving anyway, /health/ready answers 503 until it does");
  } else if (readiness.state === "mistaken" && readiness.in === "database") {
    logger.warn({}, `${readiness.problem} (serving anyway: requests answer 503 until it is fixed)`);
  } else if (readiness.state === "mistaken") {
    throw new SchedError("database_not_ready", readiness.problem);
  }
}

function readTlsFiles({ certFile, keyFile }: TlsConfig): { cert: Buffer; key: Buffer } {
  return { cert: readSetting("TLS_CERT_FILE", certFile), key: readSetting("TLS_KEY_FILE", keyFile) };
}

function readSetting(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw configurationError(variable, `${variable}: cannot read ${file} (${(error as { code?: string }).code ?? "unreadable"})`);
  }
}

function urlHost(host: string | undefined): string {
  if (host === undefined || host === "" || host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}
