import type { Command } from "commander";
import { AppointmentService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { wholeNumber } from "../option-parsers.js";
import { printResult, recordView, type TextView } from "../output/print-result.js";

interface ListOptions extends ClientOptions {
  patient?: string;
  slot?: string;
  limit?: number;
  offset?: number;
}

const appointmentTable: TextView = {
  kind: "table",
  list: "appointments",
  noun: "appointments",
  columns: [
    { header: "ID", path: "id" },
    { header: "STATUS", path: "status" },
    { header: "START", path: "slot.start_time" },
    { header: "END", path: "slot.end_time" },
    { header: "PATIENT", path: "patient.name" },
    { header: "CLINICIAN", path: "clinician.name" },
    { header: "EXPIRES", path: "expires_at" },
  ],
};

/** sched get and list: appointments with their slot, patient and clinician. */
export function registerAppointmentReads(program: Command): void {
  addClientOptions(
    program
      .command("get")
      .description("show an appointment with its slot, patient and clinician")
      .argument("<id>", "the appointment")
      .addHelpText("after", "\nExample:\n  sched get 3f0c5a4e-8d7b-4a8e-9a51-0c3b7e1d2f64 --protocol connect"),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.appointments.getAppointment({ id }));
    printResult(AppointmentService.method.getAppointment, response, options, recordView);
  });

  const list = addClientOptions(
    program
      .command("list")
      .description("list a patient's or a slot's appointments, newest first")
      .option("--patient <id>", "the patient's appointments")
      .option("--slot <id>", "the slot's appointments")
      .option("--limit <n>", "at most this many (server default 20, max 100)", wholeNumber(1))
      .option("--offset <n>", "skip this many first", wholeNumber(0))
      .addHelpText(
        "after",
        "\nExamples:\n  sched list --patient 6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b\n  sched list --slot $SLOT --limit 50 --offset 50 --json",
      ),
  );
  list.action(async (options: ListOptions) => {
    if ((options.patient === undefined) === (options.slot === undefined)) {
      list.error("give either --patient <id> or --slot <id>");
    }
    const response = await connect(options).call((client) =>
      client.appointments.listAppointments({
        patientId: options.patient ?? "",
        slotId: options.slot ?? "",
        limit: options.limit,
        offset: options.offset ?? 0,
      }),
    );
    printResult(AppointmentService.method.listAppointments, response, options, appointmentTable);
  });
}
