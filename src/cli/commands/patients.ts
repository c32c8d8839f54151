import type { Command } from "commander";
import { DirectoryService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { wholeNumber } from "../option-parsers.js";
import { printResult, recordView, type TextView } from "../output/print-result.js";

interface CreateOptions extends ClientOptions {
  name: string;
  email?: string;
}

interface ListOptions extends ClientOptions {
  limit?: number;
  offset?: number;
}

const patientTable: TextView = {
  kind: "table",
  list: "patients",
  noun: "patients",
  columns: [
    { header: "ID", path: "id" },
    { header: "NAME", path: "name" },
    { header: "EMAIL", path: "email" },
  ],
};

/** sched patients create|get|list. */
export function registerPatients(program: Command): void {
  const patients = program.command("patients").description("create, look up and list patients");
  patients.addHelpText(
    "after",
    '\nExamples:\n  sched patients create --name "Ada Lovelace" --email ada@example.org\n  sched patients get $PATIENT\n  sched patients list --limit 50',
  );

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

  addClientOptions(
    patients
      .command("list")
      .description("list patients by name (staff and services only)")
      .option("--limit <n>", "at most this many (server default 20, max 100)", wholeNumber(1))
      .option("--offset <n>", "skip this many first", wholeNumber(0))
      .addHelpText("after", "\nExample:\n  sched patients list --limit 50 --offset 50 --json"),
  ).action(async (options: ListOptions) => {
    const response = await connect(options).call((client) => client.directory.listPatients({ limit: options.limit, offset: options.offset ?? 0 }));
    printResult(DirectoryService.method.listPatients, response, options, patientTable);
  });
}
