import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { SlotService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { positiveDurationMs, rfc3339Time, wholeNumber } from "../option-parsers.js";
import { printResult, type TextView } from "../output/print-result.js";

interface CreateOptions extends ClientOptions {
  clinician: string;
  start: Date;
  end: Date;
  capacity?: number;
  count: number;
  every?: number;
}

interface SearchOptions extends ClientOptions {
  clinician?: string;
  specialty?: string;
  from?: Date;
  to?: Date;
  available?: boolean;
  limit?: number;
  offset?: number;
}

const slotTable = (noun: string): TextView => ({
  kind: "table",
  list: "slots",
  noun,
  columns: [
    { header: "ID", path: "id" },
    { header: "CLINICIAN", path: "clinician_id" },
    { header: "START", path: "start_time" },
    { header: "END", path: "end_time" },
    { header: "STATUS", path: "status" },
    { header: "CAPACITY", path: "capacity" },
    { header: "AVAILABLE", path: "available" },
  ],
});

/** sched slots create|list: a clinician's calendar and availability search. */
export function registerSlots(program: Command): void {
  const slots = program.command("slots").description("create slots and search availability");
  slots.addHelpText("after", "\nExamples:\n  sched slots create --help\n  sched slots list --available");

  addClientOptions(
    slots
      .command("create")
      .description("create a slot, or --count consecutive slots in one all-or-nothing call")
      .requiredOption("--clinician <id>", "the clinician whose time it is")
      .requiredOption("--start <time>", "start of the (first) slot, RFC 3339", rfc3339Time)
      .requiredOption("--end <time>", "end of the (first) slot, RFC 3339", rfc3339Time)
      .option("--capacity <n>", "appointments each slot takes (default 1)", wholeNumber(1))
      .option("--count <n>", "how many slots, each --every after the one before", wholeNumber(1), 1)
      .option("--every <duration>", "from one slot's start to the next (default: the slot's length)", positiveDurationMs)
      .addHelpText(
        "after",
        "\nExamples:\n  sched slots create --clinician $CLINICIAN --start 2031-01-06T09:00:00Z --end 2031-01-06T09:30:00Z\n" +
          "  sched slots create --clinician $CLINICIAN --start 2031-01-06T09:00:00Z --end 2031-01-06T09:30:00Z --count 16 --every 30m",
      ),
  ).action(async (options: CreateOptions) => {
    const lengthMs = options.end.getTime() - options.start.getTime();
    const everyMs = options.every ?? lengthMs;
    const newSlots = Array.from({ length: options.count }, (_, index) => ({
      clinicianId: options.clinician,
      startTime: timestampFromDate(new Date(options.start.getTime() + index * everyMs)),
      endTime: timestampFromDate(new Date(options.start.getTime() + index * everyMs + lengthMs)),
      capacity: options.capacity,
    }));
    const response = await connect(options).call((client) => client.slots.createSlots({ slots: newSlots }));
    printResult(SlotService.method.createSlots, response, options, slotTable("slots created"));
  });

  addClientOptions(
    slots
      .command("list")
      .description("search slots by clinician, specialty and time, soonest first")
      .option("--clinician <id>", "only this clinician's slots")
      .option("--specialty <name>", "only clinicians of this specialty")
      .option("--from <time>", "slots starting at or after this time, RFC 3339", rfc3339Time)
      .option("--to <time>", "slots starting before this time, RFC 3339", rfc3339Time)
      .option("--available", "only open slots with capacity left")
      .option("--limit <n>", "at most this many", wholeNumber(1))
      .option("--offset <n>", "skip this many first", wholeNumber(0))
      .addHelpText(
        "after",
        "\nExamples:\n  sched slots list --specialty cardiology --available\n" +
          "  sched slots list --clinician $CLINICIAN --from 2031-01-06T00:00:00Z --to 2031-01-07T00:00:00Z --json",
      ),
  ).action(async (options: SearchOptions) => {
    const response = await connect(options).call((client) =>
      client.slots.searchSlots({
        clinicianId: options.clinician ?? "",
        specialty: options.specialty ?? "",
        from: options.from && timestampFromDate(options.from),
        to: options.to && timestampFromDate(options.to),
        available: options.available ?? false,
        limit: options.limit,
        offset: options.offset ?? 0,
      }),
    );
    printResult(SlotService.method.searchSlots, response, options, slotTable("slots"));
  });
}
