import type { Command } from "commander";
import { pendingMigrations, type SqlReader } from "../../adapters/postgres/pending-migrations.js";
import { ping } from "../../adapters/postgres/sql/ping.js";
import { createCoreRuntime } from "../../app/core-runtime.js";
import { flagsFromOptions, loadConfig, type Config, type ConfigVariable } from "../../config/config.js";
import type { Logger } from "../../core/ports/logger.js";
import { dependencyProbes, type DependencyProbes } from "../../transport/health/dependency-probes.js";
import { meteredSlotLock } from "../../transport/observability/metered-slot-lock.js";
import { createServerMetrics, registerPoolGauges } from "../../transport/observability/server-metrics.js";
import { startSchedServer } from "../../transport/server/sched-server.js";
import { createCliLogger } from "../cli-logger.js";
import { CommandFailure } from "../command-failure.js";
import { addConfigOptions } from "../config-options.js";

const servingVariables: ConfigVariable[] = [
  "POSTGRES_DSN",
  "REDIS_URL",
  "REDIS_ADDR",
  "REDIS_USERNAME",
  "REDIS_PASSWORD",
  "APP_ENV",
  "HTTP_PORT",
  "APPOINTMENT_TTL",
  "LOCK_TTL",
  "SHUTDOWN_TIMEOUT",
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
  addConfigOptions(command, servingVariables);
  command.action(async (options: { host?: string } & Record<string, unknown>) => {
    const config = loadConfig({ flags: flagsFromOptions(options), required: ["POSTGRES_DSN"] });
    await serve(config, createCliLogger(config.appEnv), options.host);
  });
}

async function serve(config: Config, logger: Logger, host: string | undefined): Promise<void> {
  const metrics = createServerMetrics();
  const runtime = createCoreRuntime({ config, logger, decorateLock: (lock) => meteredSlotLock(lock, metrics.slotLocks) });
  try {
    registerPoolGauges(metrics.registry, runtime.pool);
    const probes = dependencyProbes({ pingDatabase: () => ping(runtime.pool), lock: runtime.lock });
    await requireCurrentSchema(runtime.pool, probes, logger);
    const server = await startSchedServer({ core: runtime.core, probes, metrics, logger, port: config.httpPort, host });
    const url = `http://${urlHost(host)}:${server.port}`;
    logger.info({ url, port: server.port }, `sched serving on ${url}`);
    const signal = await nextStopSignal();
    logger.info({ signal, drain_ms: config.shutdownTimeoutMs }, "shutting down: finishing requests under way");
    await server.close(config.shutdownTimeoutMs);
    logger.info({}, "stopped");
  } finally {
    await runtime.close();
  }
}

// An unreachable PostgreSQL is an outage to ride out, reported by
// /health/ready; a reachable one without the schema is a deployment mistake.
async function requireCurrentSchema(database: SqlReader, probes: DependencyProbes, logger: Logger): Promise<void> {
  if (!(await probes.postgres())) {
    logger.warn({}, "PostgreSQL does not answer: serving anyway, /health/ready answers 503 until it does");
    return;
  }
  const pending = await pendingMigrations(database);
  if (pending.length > 0) {
    throw new CommandFailure(`the database schema lacks ${pending.length} migration(s) (${pending.join(", ")}): run sched migrate`, 1);
  }
}

function urlHost(host: string | undefined): string {
  if (host === undefined || host === "" || host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

// The handlers go after the first signal, so that a second one ends the
// process at once, as an operator pressing Ctrl-C twice expects.
function nextStopSignal(): Promise<NodeJS.Signals> {
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
