import type { Command } from "commander";
import { flagsFromOptions, loadConfig } from "../../config/config.js";
import { addConfigOptions } from "../config-options.js";
import { progressBar } from "../terminal/progress-bar.js";
import { seedPlan, type SeedFlags } from "../seed/seed-plan.js";
import { seedReport } from "../seed/seed-report.js";

// Two connections keep PostgreSQL busy while Node builds the next batch; more
// only queue on this machine's two cores.
const connections = 2;

export function registerSeed(program: Command): void {
  const command = program
    .command("seed")
    .description("create clinicians, patients and their slots in bulk, straight into PostgreSQL")
    .option("--clinicians <n>", "clinicians to create", "100")
    .option("--patients <n>", "patients to create", "4000")
    .option("--weeks <n>", "weeks of working schedule per clinician", "4")
    .option("--slot-minutes <n>", "length of a slot", "30")
    .option("--day-start <HH:MM>", "first slot of a working day, UTC", "08:00")
    .option("--day-end <HH:MM>", "end of the last slot of a working day, UTC", "17:00")
    .option("--start-date <YYYY-MM-DD>", "first day of the schedule (default: next Monday, UTC)")
    .option("--capacity <n>", "appointments each slot takes", "1")
    .option("--batch-size <n>", "rows per INSERT, each its own transaction", "5000")
    .option("--json", "print the summary as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  sched seed\n  sched seed --clinicians 10 --patients 200 --weeks 1 --json\n" +
        "  sched seed --slot-minutes 15 --day-start 09:00 --day-end 13:00 --start-date 2030-01-07\n\n" +
        "Slots are Monday to Friday. Seeding again adds another set: emails carry a random tag.",
    );
  addConfigOptions(command, ["POSTGRES_DSN"]);
  command.action(async (options: SeedFlags & { json?: boolean } & Record<string, unknown>) => {
    const plan = seedPlan(options);
    const config = loadConfig({ flags: flagsFromOptions(options), required: ["POSTGRES_DSN"] });
    const bar = (rows: number) => progressBar(rows, "seeding [{bar}] {percentage}% | {value}/{total} rows | {duration}s");
    const { seedDatabase } = await import("../../app/seed/seed-database.js");
    const summary = await seedDatabase(config.postgresDsn as string, plan, connections, bar);
    process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : seedReport(summary));
  });
}
