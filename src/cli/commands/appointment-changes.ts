import type { Command } from "commander";
import { AppointmentService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { printResult, recordView } from "../output/print-result.js";

interface BookOptions extends ClientOptions {
  slot: string;
  patient: string;
  idempotencyKey?: string;
  overbookReason?: string;
}

/** sched book, confirm and cancel: the commands that change an appointment. */
export function registerAppointmentChanges(program: Command): void {
  addClientOptions(
    program
      .command("book")
      .description("hold a slot for a patient: a pending appointment that lapses unless confirmed")
      .requiredOption("--slot <id>", "the slot to book")
      .requiredOption("--patient <id>", "the patient it is for")
      .option("--idempotency-key <key>", "retrying with the same key replays the first answer and books nothing new")
      .option("--overbook-reason <text>", "staff only: if the slot is full, book beyond its capacity (up to OVERBOOK_LIMIT extra places), for this reason")
      .addHelpText(
        "after",
        "\nExamples:\n  sched book --slot 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b --patient 6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b\n" +
          "  sched book --slot $SLOT --patient $PATIENT --idempotency-key order-4711 --json\n" +
          '  sched book --slot $SLOT --patient $PATIENT --overbook-reason "urgent: chest pain"',
      ),
  ).action(async (options: BookOptions) => {
    const headers: Record<string, string> = options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {};
    const response = await connect(options).call((client) =>
      client.appointments.createAppointment(
        { slotId: options.slot, patientId: options.patient, overbookReason: options.overbookReason ?? "" },
        { headers },
      ),
    );
    printResult(AppointmentService.method.createAppointment, response, options, recordView);
  });

  addClientOptions(
    program
      .command("confirm")
      .description("confirm a pending hold before it lapses")
      .argument("<id>", "the appointment")
      .addHelpText("after", "\nExample:\n  sched confirm 3f0c5a4e-8d7b-4a8e-9a51-0c3b7e1d2f64\n\nConfirming a confirmed appointment answers it unchanged."),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.appointments.confirmAppointment({ id }));
    printResult(AppointmentService.method.confirmAppointment, response, options, recordView);
  });

  addClientOptions(
    program
      .command("cancel")
      .description("cancel a pending or confirmed appointment, freeing its place in the slot")
      .argument("<id>", "the appointment")
      .addHelpText("after", "\nExample:\n  sched cancel 3f0c5a4e-8d7b-4a8e-9a51-0c3b7e1d2f64 --url http://sched.internal:8080"),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.appointments.cancelAppointment({ id }));
    printResult(AppointmentService.method.cancelAppointment, response, options, recordView);
  });
}
