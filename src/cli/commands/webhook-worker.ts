import type { Command } from "commander";
import { createCliLogger } from "../../app/cli-logger.js";
import { flagsFromOptions, loadConfig } from "../../config/config.js";
import { SchedError } from "../../core/errors.js";
import { addConfigOptions } from "../config-options.js";

export function registerWebhookWorker(program: Command): void {
  const command = program
    .command("webhook-worker")
    .description("deliver every change to the registered webhooks, signed, at least once and in order per appointment")
    .option("--once", "plan and send one round, then exit")
    .addHelpText(
      "after",
      "\nExamples:\n  sched webhook-worker\n  sched webhook-worker --webhook-max-attempts 5 --webhook-timeout 5s\n\nAny number of workers may run at once; they share the deliveries.",
    );
  addConfigOptions(command, [
    "POSTGRES_DSN",
    "POSTGRES_CONNECT_TIMEOUT",
    "POSTGRES_QUERY_TIMEOUT",
    "APP_ENV",
    "EVENT_FEED_POLL",
    "WEBHOOK_MAX_ATTEMPTS",
    "WEBHOOK_TIMEOUT",
    "WEBHOOK_RETRY_BASE",
    "WEBHOOK_ALLOW_PRIVATE_TARGETS",
  ]);
  command.action(async (options: { once?: boolean } & Record<string, unknown>) => {
    const config = loadConfig({ flags: flagsFromOptions(options), required: ["POSTGRES_DSN"] });
    const logger = createCliLogger(config.appEnv);
    const [{ createWebhookWorker }, { databaseReadiness }] = await Promise.all([import("../../app/webhook-worker.js"), import("../../app/database-readiness.js")]);
    const { loop, delivery, pool, close } = createWebhookWorker({ config, logger });
    try {
      const readiness = await databaseReadiness(pool);
      if (readiness.state === "mistaken") throw new SchedError("database_not_ready", readiness.problem);
      if (readiness.state === "unreachable") {
        if (options.once) throw readiness.error;
        logger.warn({}, "PostgreSQL does not answer: the worker keeps trying");
      }
      if (options.once) {
        logger.info({ ...(await delivery.runRound()) }, "webhook round finished");
        return;
      }
      loop.start();
      logger.info({}, "webhook worker started");
      await new Promise<void>((resolve) => {
        const stop = () => void loop.stop().then(resolve);
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      });
      logger.info({}, "webhook worker stopped");
    } finally {
      await close();
    }
  });
}
