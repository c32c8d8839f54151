import type { Command } from "commander";
import { DirectoryService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { printResult, recordView } from "../output/print-result.js";

interface CreateOptions extends ClientOptions {
  name: string;
  email?: string;
}

/** sched patients create|get. */
export function registerPatients(program: Command): void {
  const patients = program.command("patients").description("create and look up patients");
  patients.addHelpText("after", '\nExamples:\n  sched patients create --name "Ada Lovelace" --email ada@example.org\n  sched patients get $PATIENT');

  addClientOptions(
    patients
      .command("create")
      .description("register a patient")
      .requiredOption("--name <name>", "the patient's name")
      .option("--email <email>", "unique among patients")
      .addHelpText("after", '\nExample:\n  sched patients create --name "Ada Lovelace" --email ada@example.org --json'),
  ).action(async (options: CreateOptions) => {
    const response = await connect(options).call((client) =>
      client.directory.createPatient({ name: options.name, email: options.email }),
    );
    printResult(DirectoryService.method.createPatient, response, options, recordView);
  });

  addClientOptions(
    patients
      .command("get")
      .description("show a patient")
      .argument("<id>", "the patient")
      .addHelpText("after", "\nExample:\n  sched patients get 6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b"),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.directory.getPatient({ id }));
    printResult(DirectoryService.method.getPatient, response, options, recordView);
  });
}
