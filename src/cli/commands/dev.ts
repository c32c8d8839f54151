import type { Command } from "commander";
import { flagsFromOptions, loadConfig, type ConfigVariable } from "../../config/config.js";
import { addConfigOptions } from "../config-options.js";
import { servingVariables } from "./serve.js";

const devVariables: ConfigVariable[] = [...servingVariables, "WORKER_INTERVAL", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_TIMEOUT", "WEBHOOK_RETRY_BASE"];

interface DevFlags {
  dataDir: string;
  reset?: boolean;
  host: string;
}

export function registerDev(program: Command): void {
  const command = program
    .command("dev")
    .description("run everything in one process for a first look, with nothing installed but Node")
    .option("--data-dir <folder>", "where the embedded PostgreSQL keeps its data", ".sched-dev")
    .option("--reset", "start from an empty embedded database")
    .option("--host <address>", "the address to listen on", "127.0.0.1")
    .addHelpText(
      "after",
      "\nExamples:\n  sched dev\n  sched dev --data-dir /tmp/sched --http-port 9090 --reset\n  npm run dev -- --reset          (from the project's folder)\n\n" +
        "Without POSTGRES_DSN it runs PostgreSQL in the process (PGlite) on --data-dir; without\n" +
        "REDIS_URL or REDIS_ADDR it locks slots in the process. It migrates, seeds demo data into an\n" +
        "empty database and runs the expiry worker and the webhook worker. Single-instance only:\n" +
        "never run two at once.",
    );
  addConfigOptions(command, devVariables);
  command.action(async (options: DevFlags & Record<string, unknown>) => {
    const configSource = { flags: flagsFromOptions(options) };
    const config = loadConfig(configSource);
    const { runDev } = await import("../dev/run-dev.js");
    await runDev({ config, configSource, dataDir: options.dataDir, reset: options.reset === true, host: options.host });
  });
}
