import type { Command } from "commander";
import { createCliLogger } from "../../app/cli-logger.js";
import { accessVariables, openAccessWarning, serveVerificationKey, unpinnedClaimsWarning, type PinnedKey } from "../../app/serve-access.js";
import { flagsFromOptions, loadConfig, type Config, type ConfigVariable } from "../../config/config.js";
import type { Logger } from "../../core/ports/logger.js";
import { addConfigOptions } from "../config-options.js";
import { nextStopSignal } from "../stop-signal.js";

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
  "WAITLIST_OFFER_TTL",
  "SCHEDULE_HORIZON",
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
  // Loaded when serving: the server's modules take most of a start, which
  // every other command of the CLI need not pay.
  const { startApi } = await import("../../app/start-api.js");
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
