import type { Command } from "commander";
import { ScheduleService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { wholeNumber } from "../option-parsers.js";
import { printResult, recordView, type TextView } from "../output/print-result.js";
import { hoursList, weeklyRule, type RuleText } from "../schedules/working-hours-options.js";

interface SlotShape {
  slotMinutes: number;
  bufferMinutes: number;
  capacity?: number;
}

interface CreateOptions extends ClientOptions, SlotShape {
  clinician: string;
  timeZone: string;
  from: string;
  until?: string;
  rule: RuleText[];
}

interface ListOptions extends ClientOptions {
  clinician?: string;
  limit?: number;
  offset?: number;
}

interface ExceptionOptions extends ClientOptions, Partial<SlotShape> {
  date: string;
  closed?: boolean;
  hours?: Array<{ start: string; end: string }>;
}

const scheduleTable: TextView = {
  kind: "table",
  list: "schedules",
  noun: "schedules",
  columns: [
    { header: "ID", path: "id" },
    { header: "CLINICIAN", path: "clinician_id" },
    { header: "TIME ZONE", path: "time_zone" },
    { header: "FROM", path: "effective_from" },
    { header: "UNTIL", path: "effective_until" },
    { header: "SLOTS UNTIL", path: "generated_until" },
  ],
};

function addSlotShapeOptions(command: Command, required: boolean): Command {
  const slotMinutes = "--slot-minutes <n>";
  const description = "length of each slot in minutes";
  (required ? command.requiredOption(slotMinutes, description, wholeNumber(5)) : command.option(slotMinutes, description, wholeNumber(5)))
    .option("--buffer-minutes <n>", "minutes between one slot's end and the next one's start", wholeNumber(0), 0)
    .option("--capacity <n>", "patients each slot takes (default 1)", wholeNumber(1));
  return command;
}

/** sched schedules create|list|get|exception: working hours that make slots. */
export function registerSchedules(program: Command): void {
  const schedules = program.command("schedules").description("weekly working hours that make a clinician's slots");
  schedules.addHelpText("after", '\nExamples:\n  sched schedules create --help\n  sched schedules list --clinician $CLINICIAN');

  addClientOptions(
    addSlotShapeOptions(
      schedules
        .command("create")
        .description("create a schedule; its slots are made up to SCHEDULE_HORIZON before it answers")
        .requiredOption("--clinician <id>", "the clinician whose slots it makes")
        .requiredOption("--time-zone <zone>", "IANA time zone of the hours, e.g. Europe/London")
        .requiredOption("--from <date>", "first local date, YYYY-MM-DD")
        .option("--until <date>", "last local date, YYYY-MM-DD (default: no end)")
        .requiredOption("--rule <days hours>", 'days and local hours, e.g. "MON,WED 09:00-12:00"; repeat for more', weeklyRule),
      true,
    ).addHelpText(
      "after",
      '\nExample:\n  sched schedules create --clinician $CLINICIAN --time-zone Europe/London --from 2031-01-06 \\\n' +
        '    --rule "MON,WED 09:00-12:00" --rule "FRI 14:00-17:00" --slot-minutes 30',
    ),
  ).action(async (options: CreateOptions) => {
    const shape = { slotMinutes: options.slotMinutes, bufferMinutes: options.bufferMinutes, capacity: options.capacity };
    const response = await connect(options).call((client) =>
      client.schedules.createSchedule({
        clinicianId: options.clinician,
        timeZone: options.timeZone,
        effectiveFrom: options.from,
        effectiveUntil: options.until ?? "",
        rules: options.rule.map((rule) => ({ ...rule, ...shape })),
      }),
    );
    printResult(ScheduleService.method.createSchedule, response, options, recordView);
  });

  addClientOptions(
    schedules
      .command("list")
      .description("list schedules, oldest first")
      .option("--clinician <id>", "only this clinician's schedules")
      .option("--limit <n>", "at most this many", wholeNumber(1))
      .option("--offset <n>", "skip this many first", wholeNumber(0))
      .addHelpText("after", "\nExample:\n  sched schedules list --clinician $CLINICIAN --json"),
  ).action(async (options: ListOptions) => {
    const response = await connect(options).call((client) =>
      client.schedules.listSchedules({ clinicianId: options.clinician ?? "", limit: options.limit, offset: options.offset ?? 0 }),
    );
    printResult(ScheduleService.method.listSchedules, response, options, scheduleTable);
  });

  addClientOptions(
    schedules
      .command("get")
      .description("show a schedule with its rules and exceptions")
      .argument("<id>", "the schedule")
      .addHelpText("after", "\nExample:\n  sched schedules get $SCHEDULE --json"),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.schedules.getSchedule({ id }));
    printResult(ScheduleService.method.getSchedule, response, options, recordView);
  });

  addClientOptions(
    addSlotShapeOptions(
      schedules
        .command("exception")
        .description("close a day or add hours on it; the schedule's slots are regenerated")
        .argument("<schedule>", "the schedule")
        .requiredOption("--date <date>", "the local date, YYYY-MM-DD")
        .option("--closed", "the weekly hours make no slots that day")
        .option("--hours <hours>", "extra local hours that day, e.g. 14:00-16:00; repeat for more (needs --slot-minutes)", hoursList),
      false,
    ).addHelpText(
      "after",
      "\nExamples:\n  sched schedules exception $SCHEDULE --date 2031-01-08 --closed\n" +
        "  sched schedules exception $SCHEDULE --date 2031-01-09 --hours 14:00-16:00 --slot-minutes 20",
    ),
  ).action(async (scheduleId: string, options: ExceptionOptions) => {
    const shape = { slotMinutes: options.slotMinutes ?? 0, bufferMinutes: options.bufferMinutes ?? 0, capacity: options.capacity };
    const response = await connect(options).call((client) =>
      client.schedules.addScheduleException({
        scheduleId,
        date: options.date,
        closed: options.closed ?? false,
        hours: (options.hours ?? []).map((hours) => ({ ...hours, ...shape })),
      }),
    );
    printResult(ScheduleService.method.addScheduleException, response, options, recordView);
  });
}
