import type { Command } from "commander";
import { flagsFromOptions, loadConfig } from "../../config/config.js";
import { addConfigOptions } from "../config-options.js";

export function registerMigrate(program: Command): void {
  const command = program
    .command("migrate")
    .description("apply the schema migrations that the database does not have yet")
    .addHelpText(
      "after",
      "\nExample:\n  POSTGRES_DSN=postgres://localhost/sched sched migrate\n\nSafe to run from several instances at once; a second run changes nothing.",
    );
  addConfigOptions(command, ["POSTGRES_DSN"]);
  command.action(async (options: Record<string, unknown>) => {
    const config = loadConfig({ flags: flagsFromOptions(options), required: ["POSTGRES_DSN"] });
    const { migrate } = await import("../../app/migrate-database.js");
    const { applied } = await migrate(config.postgresDsn as string);
    if (applied.length === 0) {
      console.log("schema is up to date");
    } else {
      for (const name of applied) console.log(`applied ${name}`);
    }
  });
}
