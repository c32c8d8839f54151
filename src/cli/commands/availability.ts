import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { ScheduleService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { rfc3339Time, wholeNumber } from "../option-parsers.js";
import { printResult, type TextView } from "../output/print-result.js";

interface AvailabilityOptions extends ClientOptions {
  specialty?: string;
  clinician?: string;
  from?: Date;
  to?: Date;
  first?: boolean;
  limit?: number;
  offset?: number;
}

const availabilityTable: TextView = {
  kind: "table",
  list: "slots",
  noun: "open slots",
  columns: [
    { header: "SLOT", path: "id" },
    { header: "CLINICIAN", path: "clinician_id" },
    { header: "START", path: "start_time" },
    { header: "END", path: "end_time" },
    { header: "AVAILABLE", path: "available" },
  ],
};

/** sched availability: open slots with room left across clinicians, soonest first. */
export function registerAvailability(program: Command): void {
  addClientOptions(
    program
      .command("availability")
      .description("find open slots with room left across clinicians, soonest first")
      .option("--specialty <name>", "only clinicians of this specialty")
      .option("--clinician <id>", "only this clinician")
      .option("--from <time>", "slots starting at or after this time, RFC 3339 (default: now)", rfc3339Time)
      .option("--to <time>", "slots starting before this time, RFC 3339", rfc3339Time)
      .option("--first", "only the first available slot (--limit 1)")
      .option("--limit <n>", "at most this many (default 20)", wholeNumber(1))
      .option("--offset <n>", "skip this many first", wholeNumber(0))
      .addHelpText("after", "\nExamples:\n  sched availability --specialty cardiology --first\n  sched availability --clinician $CLINICIAN --limit 50 --json"),
  ).action(async (options: AvailabilityOptions) => {
    const response = await connect(options).call((client) =>
      client.schedules.findAvailability({
        specialty: options.specialty ?? "",
        clinicianId: options.clinician ?? "",
        from: options.from && timestampFromDate(options.from),
        to: options.to && timestampFromDate(options.to),
        limit: options.first ? 1 : options.limit,
        offset: options.offset ?? 0,
      }),
    );
    printResult(ScheduleService.method.findAvailability, response, options, availabilityTable);
  });
}
