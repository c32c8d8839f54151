import type { Command } from "commander";
import { AppointmentService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { printResult, recordView } from "../output/print-result.js";

interface RescheduleOptions extends ClientOptions {
  slot: string;
  idempotencyKey?: string;
  overbookReason?: string;
}

/** sched reschedule: move an appointment to another slot, all at once. */
export function registerAppointmentMoves(program: Command): void {
  addClientOptions(
    program
      .command("reschedule")
      .description("move a pending or confirmed appointment to another slot: the new place is taken and the old one freed at once")
      .argument("<id>", "the appointment")
      .requiredOption("--slot <id>", "the slot to move it to")
      .option("--idempotency-key <key>", "retrying with the same key replays the first answer and moves nothing twice")
      .option("--overbook-reason <text>", "staff only: if the new slot is full, move beyond its capacity (up to OVERBOOK_LIMIT extra places), for this reason")
      .addHelpText(
        "after",
        "\nExamples:\n  sched reschedule 3f0c5a4e-8d7b-4a8e-9a51-0c3b7e1d2f64 --slot 1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b\n" +
          "  sched reschedule $APPOINTMENT --slot $SLOT --idempotency-key move-4711 --json\n\n" +
          "A hold stays a hold with a fresh APPOINTMENT_TTL; a confirmed appointment stays confirmed.",
      ),
  ).action(async (id: string, options: RescheduleOptions) => {
    const headers: Record<string, string> = options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {};
    const response = await connect(options).call((client) =>
      client.appointments.rescheduleAppointment({ id, slotId: options.slot, overbookReason: options.overbookReason ?? "" }, { headers }),
    );
    printResult(AppointmentService.method.rescheduleAppointment, response, options, recordView);
  });
}
