import { Option, type Command } from "commander";
import { SchedError } from "../../core/errors.js";
import { flagsFromOptions, loadConfig } from "../../config/config.js";
import { checkHistory } from "../../core/history/check-history.js";
import { addConfigOptions } from "../config-options.js";
import { reportText } from "../simulate/report-text.js";
import { requireServers } from "../simulate/require-servers.js";
import { defaultUrl, simulationSettings } from "../simulate/simulate-settings.js";
import { simulationReport } from "../simulate/simulation-report.js";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerSimulate(program: Command): void {
  const command = program
    .command("simulate")
    .description("drive mixed concurrent traffic at sched servers, then audit every invariant in the database and check every call against it")
    .addOption(new Option("--url <url>", `a sched server; repeat (or separate with commas) for several (default: ${defaultUrl})`).env("SIM_API_BASE_URL").argParser(collect))
    .addOption(new Option("--protocol <protocol>", "rest, connect or grpc").default("rest"))
    .addOption(new Option("--duration <duration>", "how long to send traffic").env("SIM_DURATION").default("30s"))
    .addOption(new Option("--workers <n>", "concurrent clients, dealt to the servers in turn").env("SIM_WORKERS").default("10"))
    .addOption(new Option("--booking-ratio <ratio>", "share of bookings").env("SIM_BOOKING_RATIO").default("0.6"))
    .addOption(new Option("--confirm-ratio <ratio>", "share of confirmations of the worker's own holds").env("SIM_CONFIRM_RATIO").default("0.3"))
    .addOption(new Option("--read-ratio <ratio>", "share of reads (an appointment, or a patient's list)").env("SIM_READ_RATIO").default("0.1"))
    .addOption(new Option("--patient-limit <n>", "patients to load from the database").env("SIM_PATIENT_LIMIT").default("1000"))
    .addOption(new Option("--slot-limit <n>", "open slots to load from the database").env("SIM_SLOT_LIMIT").default("1000"))
    .addOption(new Option("--token <token>", "a staff or service bearer token, for a server that asks for one").env("SCHED_TOKEN"))
    .addOption(new Option("--ca-file <file>", "PEM CA certificate(s) to trust for https:// URLs").env("SCHED_CA_FILE"))
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      "\nExamples:\n  sched simulate --duration 10s --workers 50\n" +
        "  sched simulate --url http://api-1:8080 --url http://api-2:8080 --protocol grpc --json\n" +
        "  SIM_DURATION=1m SIM_WORKERS=100 sched simulate\n\n" +
        "Patient and slot ids come from PostgreSQL (POSTGRES_DSN), which is audited after the run; every booking and\n" +
        "confirmation is then checked against the appointments and events the database recorded (so run it as the\n" +
        "only client writing to those slots).\n" +
        "Ratios are normalised; a worker with no hold of its own to confirm books instead.\n" +
        "Exit code 1 when an invariant is broken; Ctrl-C ends the run early, with its report.",
    );
  addConfigOptions(command, ["POSTGRES_DSN"]);
  command.action(async (options: { json?: boolean } & Record<string, unknown>) => {
    const settings = simulationSettings(command);
    const config = loadConfig({ flags: flagsFromOptions(options), required: ["POSTGRES_DSN"] });
    const [{ openSimulationDatabase }, { runSimulation }] = await Promise.all([import("../../app/simulate/simulation-database.js"), import("../simulate/run-simulation.js")]);
    const database = openSimulationDatabase(config.postgresDsn as string);
    const stop = new AbortController();
    const stopEarly = (): void => stop.abort();
    try {
      await database.requireReady();
      const ids = await database.loadIds({ patients: settings.patientLimit, slots: settings.slotLimit });
      if (ids.patientIds.length === 0 || ids.slotIds.length === 0) {
        throw new SchedError("failed", "the database has no patients or no open slots ahead: run sched seed first");
      }
      await requireServers(settings.urls, settings.ca);
      process.once("SIGINT", stopEarly);
      const run = await runSimulation(settings, ids, stop.signal);
      const audit = await database.audit();
      // Assumes the simulation is the only client writing to these slots while it runs.
      const record = await database.loadHistoryRecord({ slotIds: ids.slotIds, since: run.startedAt });
      const report = simulationReport(settings, ids, run, audit, checkHistory(run.history, record));
      process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : reportText(report));
      if (!report.invariantsHold) throw new SchedError("failed", report.verdict);
    } finally {
      process.off("SIGINT", stopEarly);
      await database.close();
    }
  });
}
