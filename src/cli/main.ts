import { Command } from "commander";
import { registerExpiryWorker } from "./commands/expiry-worker.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerPlanned } from "./commands/planned.js";
import { registerServe } from "./commands/serve.js";
import { describeError } from "./describe-error.js";

export function buildProgram(): Command {
  const program = new Command("sched")
    .description("appointment scheduling for hospitals: serve the API, run workers, operate it")
    .showHelpAfterError();
  registerServe(program);
  registerExpiryWorker(program);
  registerMigrate(program);
  registerPlanned(program);
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
