import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ping } from "../../adapters/postgres/sql/ping.js";
import { createCoreRuntime, type CoreRuntime } from "../../app/core-runtime.js";
import { databaseReadiness, DatabaseNotReady } from "../../app/database-readiness.js";
import { createEdgeAccess } from "../../app/edge-access.js";
import type { SqlReader } from "../../adapters/postgres/pending-migrations.js";
import type { PinnedKey } from "../../adapters/jwt/verification-key.js";
import { flagsFromOptions, loadConfig, type Config, type ConfigVariable, type TlsConfig } from "../../config/config.js";
import type { Logger } from "../../core/ports/logger.js";
import type { SlotLock } from "../../core/ports/slot-lock.js";
import { dependencyProbes } from "../../transport/health/dependency-probes.js";
import { meteredSlotLock } from "../../transport/observability/metered-slot-lock.js";
import { createServerMetrics, registerPoolGauges } from "../../transport/observability/server-metrics.js";
import { startSchedServer } from "../../transport/server/sched-server.js";
import type { RunningServer } from "../../transport/server/start-server.js";
import { createCliLogger } from "../cli-logger.js";
import { CommandFailure } from "../command-failure.js";
import { addConfigOptions } from "../config-options.js";
import { accessVariables, openAccessWarning, serveVerificationKey, unpinnedClaimsWarning } from "../serve-access.js";

export const servingVariables: ConfigVariable[] = [
  "POSTGRES_DSN",
  "POSTGRES_CONNECT_TIMEOUT",
  "POSTGRES_QUERY_TIMEOUT",
  "REDIS_URL",
  "REDIS_CLUSTER_NODES",
  "REDIS_ADDR",
  "REDIS_USERNAME",
  "REDIS_PASSWORD",
  "APP_ENV",
  "HTTP_PORT",
  "APPOINTMENT_TTL",
  "LOCK_TTL",
  "SHUTDOWN_TIMEOUT",
  "TLS_CERT_FILE",
  "TLS_KEY_FILE",
];

export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("serve REST, Connect, gRPC-Web and gRPC on one port, over HTTP/1.1 and HTTP/2")
    .option("--host <address>", "the address to listen on (default: every interface)")
    .addHelpText(
      "after",
      "\nExample:\n  POSTGRES_DSN=postgres://localhost/sched sched serve --http-port 8080\n\n" +
        "Run `sched migrate` first: serving never changes the schema. SIGINT or SIGTERM drains\n" +
        "requests under way for up to SHUTDOWN_TIMEOUT, then exits; a second signal exits at once.",
    );
  addConfigOptions(command, [...servingVariables, ...accessVariables]);
  command.action(async (options: { host?: string } & Record<string, unknown>) => {
    const config = loadConfig({ flags: flagsFromOptions(options), required: ["POSTGRES_DSN"] });
    const key = serveVerificationKey(config);
    await serve(config, createCliLogger(config.appEnv), options.host, key);
  });
}

async function serve(config: Config, logger: Logger, host: string | undefined, key: PinnedKey | undefined): Promise<void> {
  const { runtime, server, url } = await startApi({ config, logger, host, key });
  try {
    if (key === undefined) logger.warn({}, openAccessWarning);
    const unpinned = unpinnedClaimsWarning(config);
    if (unpinned !== undefined) logger.warn({}, unpinned);
    logger.info({ url, port: server.port }, `sched serving on ${url}`);
    const signal = await nextStopSignal();
    logger.info({ signal, drain_ms: config.shutdownTimeoutMs }, "shutting down: finishing requests under way");
    await server.close(config.shutdownTimeoutMs);
    logger.info({}, "stopped");
  } finally {
    await runtime.close();
  }
}

export interface ApiOptions {
  config: Config;
  logger: Logger;
  host: string | undefined;
  /** Replaces the Redis lock, for `sched dev` without Redis. */
  lock?: SlotLock;
  poolSize?: number;
  /** Verifies bearer tokens; without it the API is open to everybody. */
  key?: PinnedKey;
}

export interface RunningApi {
  runtime: CoreRuntime;
  server: RunningServer;
  url: string;
}

/** The core on its adapters, served on one port: what `serve` runs, and `dev` too. */
export async function startApi({ config, logger, host, lock, poolSize, key }: ApiOptions): Promise<RunningApi> {
  const metrics = createServerMetrics();
  const runtime = createCoreRuntime({
    config,
    logger,
    lock,
    poolSize,
    decorateLock: (slotLock) => meteredSlotLock(slotLock, metrics.slotLocks),
  });
  try {
    registerPoolGauges(metrics.registry, runtime.pool);
    // A lock given in place of Redis's (sched dev) leaves no Redis to check.
    const probes = dependencyProbes({ pingDatabase: () => ping(runtime.pool), lock: lock === undefined ? runtime.lock : undefined });
    await requireCurrentSchema(runtime.pool, logger);
    const tls = config.tls && readTlsFiles(config.tls);
    const access = createEdgeAccess({ security: config.security, key, redis: runtime.redis });
    const server = await startSchedServer({ core: runtime.core, probes, metrics, logger, port: config.httpPort, host, tls, ...access });
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
    throw new DatabaseNotReady(readiness.problem);
  }
}

function readTlsFiles({ certFile, keyFile }: TlsConfig): { cert: Buffer; key: Buffer } {
  return { cert: readSetting("TLS_CERT_FILE", certFile), key: readSetting("TLS_KEY_FILE", keyFile) };
}

function readSetting(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CommandFailure(`${variable}: cannot read ${file} (${(error as { code?: string }).code ?? "unreadable"})`, 2);
  }
}

function urlHost(host: string | undefined): string {
  if (host === undefined || host === "" || host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

// The handlers go after the first signal, so that a second one ends the
// process at once, as an operator pressing Ctrl-C twice expects.
export function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
