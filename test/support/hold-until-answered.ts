import { setTimeout as sleep } from "node:timers/promises";
import { anonymousCaller } from "../../src/core/access/caller.js";
import { SchedError } from "../../src/core/errors.js";
import type { Appointments } from "../../src/core/services/appointments.js";

export type HoldOutcome = "booked" | "slot_already_booked";

/**
 * Books as a patient would: retries while another request holds the slot's
 * lock, until the database gives a final answer. Races end with these answers,
 * so that a test can compare what callers were told with what the tables hold.
 */
export async function holdUntilAnswered(service: Appointments, slotId: string, patientId: string): Promise<HoldOutcome> {
  for (;;) {
    try {
      await service.create(anonymousCaller, { slotId, patientId });
      return "booked";
    } catch (error) {
      if (!(error instanceof SchedError)) throw error;
      if (error.code === "slot_already_booked") return error.code;
      if (error.code !== "slot_being_booked") throw error;
      await sleep(1 + Math.random() * 10);
    }
  }
}
