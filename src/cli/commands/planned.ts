import type { Command } from "commander";
import { CommandFailure } from "../command-failure.js";

interface PlannedCommand {
  name: string;
  description: string;
}

// Commands of the CLI contract (SPEC.md) that later issues build. They are
// listed now so that `sched --help` shows the whole tool, and they say so
// plainly instead of pretending to work.
const plannedCommands: PlannedCommand[] = [
  { name: "book", description: "hold a slot for a patient" },
  { name: "confirm", description: "confirm a pending hold" },
  { name: "cancel", description: "cancel an appointment" },
  { name: "get", description: "show an appointment with its slot, patient and clinician" },
  { name: "list", description: "list a patient's or a slot's appointments" },
  { name: "slots", description: "create slots and search availability" },
  { name: "seed", description: "create clinicians, patients and their slots in bulk" },
  { name: "simulate", description: "drive mixed concurrent traffic and audit every invariant" },
  { name: "dev", description: "run everything in one process with nothing installed" },
];

export function registerPlanned(program: Command): void {
  for (const { name, description } of plannedCommands) {
    program
      .command(name)
      .description(`${description} (not built yet)`)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        throw new CommandFailure(`sched ${name} is not built yet`, 2);
      });
  }
}
