import type { Command } from "commander";
import { SchedError } from "../../core/errors.js";
import { flagsFromOptions, loadConfig } from "../../config/config.js";
import { addConfigOptions } from "../config-options.js";
import { createCliLogger } from "../../app/cli-logger.js";

export function registerExpiryWorker(program: Command): void {
  const command = program
    .command("expiry-worker")
    .description("expire unconfirmed holds in batches and make schedules' slots up to SCHEDULE_HORIZON, every WORKER_INTERVAL")
    .option("--once", "run once and exit")
    .option("--batch-size <n>", "holds per transaction", (value) => Number.parseInt(value, 10), 1000)
    .addHelpText(
      "after",
      "\nExamples:\n  sched expiry-worker --worker-interval 30s\n  sched expiry-worker --once\n\nAny number of workers may run at once; bookings never wait for them.",
    );
  addConfigOptions(command, ["POSTGRES_DSN", "POSTGRES_CONNECT_TIMEOUT", "POSTGRES_QUERY_TIMEOUT", "APP_ENV", "WORKER_INTERVAL", "SCHEDULE_HORIZON", "WAITLIST_OFFER_TTL"]);
  command.action(async (options: { once?: boolean; batchSize: number } & Record<string, unknown>) => {
    const config = loadConfig({ flags: flagsFromOptions(options), required: ["POSTGRES_DSN"] });
    const logger = createCliLogger(config.appEnv);
    const [{ createExpiryWorker }, { databaseReadiness }] = await Promise.all([import("../../app/expiry-worker.js"), import("../../app/database-readiness.js")]);
    const { loop, pool, close } = createExpiryWorker({ config, logger, batchSize: options.batchSize });
    try {
      // A missing database or schema stops the worker at once; an outage is
      // for the loop to ride out, but a single run has nothing to wait for.
      const readiness = await databaseReadiness(pool);
      if (readiness.state === "mistaken") throw new SchedError("database_not_ready", readiness.problem);
      if (readiness.state === "unreachable") {
        if (options.once) throw readiness.error;
        logger.warn({}, "PostgreSQL does not answer: the worker retries every WORKER_INTERVAL");
      }
      if (options.once) {
        await loop.runOnce();
        return;
      }
      loop.start();
      logger.info({ interval_ms: config.workerIntervalMs }, "expiry worker started");
      await new Promise<void>((resolve) => {
        const stop = () => void loop.stop().then(resolve);
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      });
      logger.info({}, "expiry worker stopped");
    } finally {
      await close();
    }
  });
}
