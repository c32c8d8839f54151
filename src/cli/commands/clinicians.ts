import type { Command } from "commander";
import { DirectoryService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { wholeNumber } from "../option-parsers.js";
import { printResult, recordView, type TextView } from "../output/print-result.js";

interface CreateOptions extends ClientOptions {
  name: string;
  specialty?: string;
}

interface ListOptions extends ClientOptions {
  specialty?: string;
  limit?: number;
  offset?: number;
}

const clinicianTable: TextView = {
  kind: "table",
  list: "clinicians",
  noun: "clinicians",
  columns: [
    { header: "ID", path: "id" },
    { header: "NAME", path: "name" },
    { header: "SPECIALTY", path: "specialty" },
  ],
};

/** sched clinicians create|get|list. */
export function registerClinicians(program: Command): void {
  const clinicians = program.command("clinicians").description("create, look up and list clinicians");
  clinicians.addHelpText("after", '\nExamples:\n  sched clinicians create --name "Dr Grey" --specialty surgery\n  sched clinicians list --specialty surgery');

  addClientOptions(
    clinicians
      .command("create")
      .description("register a clinician")
      .requiredOption("--name <name>", "the clinician's name")
      .option("--specialty <name>", "e.g. cardiology")
      .addHelpText("after", '\nExample:\n  sched clinicians create --name "Dr Meredith Grey" --specialty surgery'),
  ).action(async (options: CreateOptions) => {
    const response = await connect(options).call((client) =>
      client.directory.createClinician({ name: options.name, specialty: options.specialty }),
    );
    printResult(DirectoryService.method.createClinician, response, options, recordView);
  });

  addClientOptions(
    clinicians
      .command("get")
      .description("show a clinician")
      .argument("<id>", "the clinician")
      .addHelpText("after", "\nExample:\n  sched clinicians get 0d5f6a2c-9b8e-4f71-8c3d-2e1a7b6c5d4e --json"),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.directory.getClinician({ id }));
    printResult(DirectoryService.method.getClinician, response, options, recordView);
  });

  addClientOptions(
    clinicians
      .command("list")
      .description("list clinicians by name")
      .option("--specialty <name>", "only this specialty")
      .option("--limit <n>", "at most this many", wholeNumber(1))
      .option("--offset <n>", "skip this many first", wholeNumber(0))
      .addHelpText("after", "\nExample:\n  sched clinicians list --specialty cardiology --limit 50"),
  ).action(async (options: ListOptions) => {
    const response = await connect(options).call((client) =>
      client.directory.listClinicians({ specialty: options.specialty ?? "", limit: options.limit, offset: options.offset ?? 0 }),
    );
    printResult(DirectoryService.method.listClinicians, response, options, clinicianTable);
  });
}
