import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { packageRoot } from "../package-root.js";
import { registerAppointmentChanges } from "./commands/appointment-changes.js";
import { registerAppointmentMoves } from "./commands/appointment-moves.js";
import { registerAppointmentVisits } from "./commands/appointment-visits.js";
import { registerAppointmentReads } from "./commands/appointment-reads.js";
import { registerAvailability } from "./commands/availability.js";
import { registerClinicians } from "./commands/clinicians.js";
import { registerDev } from "./commands/dev.js";
import { registerExpiryWorker } from "./commands/expiry-worker.js";
import { registerWebhookWorker } from "./commands/webhook-worker.js";
import { registerWatch } from "./commands/watch.js";
import { registerWebhooks } from "./commands/webhooks.js";
import { registerWaitlist } from "./commands/waitlist.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerPatients } from "./commands/patients.js";
import { registerSchedules } from "./commands/schedules.js";
import { registerSeed } from "./commands/seed.js";
import { registerSimulate } from "./commands/simulate.js";
import { registerServe } from "./commands/serve.js";
import { registerSlots } from "./commands/slots.js";
import { registerToken } from "./commands/token.js";
import { stopQuietlyWhenOutputCloses } from "./closed-output.js";
import { describeError } from "./describe-error.js";
import { reportUsageErrors, wantsJson } from "./usage-error.js";

export function buildProgram(): Command {
  const program = reportUsageErrors(new Command("sched"))
    .description("appointment scheduling for hospitals: serve the API, run workers, operate it")
    .version(packageVersion(), "-V, --version", "print the version of sched");
  registerServe(program);
  registerExpiryWorker(program);
  registerWebhookWorker(program);
  registerMigrate(program);
  registerSeed(program);
  registerSimulate(program);
  registerAppointmentChanges(program);
  registerAppointmentMoves(program);
  registerAppointmentVisits(program);
  registerAppointmentReads(program);
  registerSlots(program);
  registerSchedules(program);
  registerAvailability(program);
  registerPatients(program);
  registerClinicians(program);
  registerWatch(program);
  registerWebhooks(program);
  registerWaitlist(program);
  registerDev(program);
  registerToken(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  stopQuietlyWhenOutputCloses();
  const program = buildProgram();
  if (argv.length <= 2) {
    // `sched` alone: what it can do, rather than an error.
    process.stdout.write(program.helpInformation());
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // --help and --version have said what they had to.
    if (error instanceof CommanderError && error.exitCode === 0) return;
    const { error: code, details, exitCode } = describeError(error);
    process.stderr.write(wantsJson(argv.slice(2)) ? `${JSON.stringify({ error: code, details })}\n` : `sched: ${details}\n`);
    process.exitCode = exitCode;
  }
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}
