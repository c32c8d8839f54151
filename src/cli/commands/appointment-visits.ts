import type { Command } from "commander";
import { AppointmentService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { printResult, recordView } from "../output/print-result.js";

/** sched check-in, complete and no-show: what happened at the visit, recorded by staff or a service. */
export function registerAppointmentVisits(program: Command): void {
  addClientOptions(
    program
      .command("check-in")
      .description("record that the patient of a confirmed appointment arrived (status arrived)")
      .argument("<id>", "the appointment")
      .addHelpText("after", "\nExample:\n  sched check-in 3f0c5a4e-8d7b-4a8e-9a51-0c3b7e1d2f64\n\nChecking in an arrived appointment answers it unchanged."),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.appointments.checkInAppointment({ id }));
    printResult(AppointmentService.method.checkInAppointment, response, options, recordView);
  });

  addClientOptions(
    program
      .command("complete")
      .description("record that the visit of an arrived appointment took place (status fulfilled)")
      .argument("<id>", "the appointment")
      .addHelpText("after", "\nExample:\n  sched complete 3f0c5a4e-8d7b-4a8e-9a51-0c3b7e1d2f64"),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.appointments.completeAppointment({ id }));
    printResult(AppointmentService.method.completeAppointment, response, options, recordView);
  });

  addClientOptions(
    program
      .command("no-show")
      .description("record that the patient of a confirmed appointment did not come, once its slot has started (status noshow)")
      .argument("<id>", "the appointment")
      .addHelpText("after", "\nExample:\n  sched no-show 3f0c5a4e-8d7b-4a8e-9a51-0c3b7e1d2f64 --json"),
  ).action(async (id: string, options: ClientOptions) => {
    const response = await connect(options).call((client) => client.appointments.markNoShow({ id }));
    printResult(AppointmentService.method.markNoShow, response, options, recordView);
  });
}
