import { setTimeout as sleep } from "node:timers/promises";
import { anonymousCaller } from "../../src/core/access/caller.js";
import { SchedError } from "../../src/core/errors.js";
import type { HistoryRecorder } from "../../src/core/history/history-operation.js";
import type { Appointments } from "../../src/core/services/appointments.js";

export type HoldOutcome = "booked" | "slot_already_booked";

/**
 * Books as a patient would: retries while another request holds the slot's
 * lock, until the database gives a final answer. Races end with these answers,
 * so that a test can compare what callers were told with what the tables hold;
 * with `history`, the booking is recorded there (one operation for all its
 * attempts) for the history checker.
 */
export async function holdUntilAnswered(service: Appointments, slotId: string, patientId: string, history?: HistoryRecorder): Promise<HoldOutcome> {
  const operation = history?.begin("book", { slotId, patientId });
  for (;;) {
    try {
      const appointment = await service.create(anonymousCaller, { slotId, patientId });
      operation?.end({ outcome: "ok" }, appointment.id);
      return "booked";
    } catch (error) {
      if (!(error instanceof SchedError)) {
        operation?.end({ outcome: "unknown", reason: String(error) });
        throw error;
      }
      if (error.code === "unavailable" || error.code === "internal_error") operation?.end({ outcome: "unknown", reason: error.code });
      else if (error.code !== "slot_being_booked") operation?.end({ outcome: "refused", code: error.code });
      if (error.code === "slot_already_booked") return error.code;
      if (error.code !== "slot_being_booked") throw error;
      await sleep(1 + Math.random() * 10);
    }
  }
}
