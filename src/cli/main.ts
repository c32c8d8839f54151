import { Command } from "commander";
import { registerAppointmentChanges } from "./commands/appointment-changes.js";
import { registerAppointmentReads } from "./commands/appointment-reads.js";
import { registerClinicians } from "./commands/clinicians.js";
import { registerDev } from "./commands/dev.js";
import { registerExpiryWorker } from "./commands/expiry-worker.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerPatients } from "./commands/patients.js";
import { registerSeed } from "./commands/seed.js";
import { registerSimulate } from "./commands/simulate.js";
import { registerServe } from "./commands/serve.js";
import { registerSlots } from "./commands/slots.js";
import { registerToken } from "./commands/token.js";
import { describeError } from "./describe-error.js";

export function buildProgram(): Command {
  const program = new Command("sched")
    .description("appointment scheduling for hospitals: serve the API, run workers, operate it")
    .showHelpAfterError();
  registerServe(program);
  registerExpiryWorker(program);
  registerMigrate(program);
  registerSeed(program);
  registerSimulate(program);
  registerAppointmentChanges(program);
  registerAppointmentReads(program);
  registerSlots(program);
  registerPatients(program);
  registerClinicians(program);
  registerDev(program);
  registerToken(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const { message, exitCode } = describeError(error);
    process.stderr.write(`sched: ${message}\n`);
    process.exitCode = exitCode;
  }
}
