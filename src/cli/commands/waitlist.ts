import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { WaitlistService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { rfc3339Time, wholeNumber } from "../option-parsers.js";
import { printResult, recordView, type TextView } from "../output/print-result.js";

interface JoinOptions extends ClientOptions {
  patient: string;
  slot?: string;
  clinician?: string;
  from?: Date;
  to?: Date;
  priority?: number;
}

interface ListOptions extends ClientOptions {
  patient?: string;
  slot?: string;
  clinician?: string;
  limit?: number;
  offset?: number;
}

const entryTable: TextView = {
  kind: "table",
  list: "entries",
  noun: "entries",
  columns: [
    { header: "ID", path: "id" },
    { header: "PATIENT", path: "patient_id" },
    { header: "SLOT", path: "slot_id" },
    { header: "CLINICIAN", path: "clinician_id" },
    { header: "FROM", path: "from" },
    { header: "TO", path: "to" },
    { header: "PRIORITY", path: "priority" },
    { header: "STATUS", path: "status" },
    { header: "OFFER", path: "appointment_id" },
  ],
};

/** sched waitlist join|leave|list. */
export function registerWaitlist(program: Command): void {
  const waitlist = program
    .command("waitlist")
    .description("wait for a full slot, or any slot of a clinician in a window: a freed place is offered as a hold");
  waitlist.addHelpText(
    "after",
    "\nExamples:\n  sched waitlist join --patient $PATIENT --slot $SLOT\n  sched waitlist list --patient $PATIENT\n  sched waitlist leave <id>\n\n" +
      "An offer is a pending hold (WAITLIST_OFFER_TTL): confirm it with `sched confirm`, decline it with `sched cancel`.",
  );

  addClientOptions(
    waitlist
      .command("join")
      .description("put a patient on the waiting list; offered at once when a place is free")
      .requiredOption("--patient <id>", "the waiting patient")
      .option("--slot <id>", "wait for this slot")
      .option("--clinician <id>", "wait for any slot of this clinician, with --from and --to")
      .option("--from <time>", "slots starting at or after this time, RFC 3339", rfc3339Time)
      .option("--to <time>", "slots starting before this time, RFC 3339", rfc3339Time)
      .option("--priority <n>", "staff only: from 0 to 100, higher offered first (default 0)", wholeNumber(0))
      .addHelpText(
        "after",
        "\nExamples:\n  sched waitlist join --patient $PATIENT --slot $SLOT\n" +
          "  sched waitlist join --patient $PATIENT --clinician $CLINICIAN --from 2031-01-06T08:00:00Z --to 2031-01-06T12:00:00Z --priority 5",
      ),
  ).action(async (options: JoinOptions) => {
    const response = await connect(options).call((client) =>
      client.waitlist.joinWaitlist({
        patientId: options.patient,
        slotId: options.slot ?? "",
        clinicianId: options.clinician ?? "",
        from: options.from && timestampFromDate(options.from),
        to: options.to && timestampFromDate(options.to),
        priority: options.priority,
      }),
    );
    printResult(WaitlistService.method.joinWaitlist, response, options, recordView);
  });

  addClientOptions(waitlist.command("leave").description("take a waiting entry off the list").argument("<id>", "the entry")).action(
    async (id: string, options: ClientOptions) => {
      const response = await connect(options).call((client) => client.waitlist.leaveWaitlist({ id }));
      printResult(WaitlistService.method.leaveWaitlist, response, options, recordView);
    },
  );

  addClientOptions(
    waitlist
      .command("list")
      .description("entries of a patient, a slot or a clinician, in queue order")
      .option("--patient <id>", "this patient's entries")
      .option("--slot <id>", "the entries waiting for this slot")
      .option("--clinician <id>", "the entries for this clinician's slots")
      .option("--limit <n>", "at most this many (default 20, at most 100)", wholeNumber(1))
      .option("--offset <n>", "skip this many", wholeNumber(0)),
  ).action(async (options: ListOptions) => {
    const response = await connect(options).call((client) =>
      client.waitlist.listWaitlist({
        patientId: options.patient ?? "",
        slotId: options.slot ?? "",
        clinicianId: options.clinician ?? "",
        limit: options.limit,
        offset: options.offset ?? 0,
      }),
    );
    printResult(WaitlistService.method.listWaitlist, response, options, entryTable);
  });
}
