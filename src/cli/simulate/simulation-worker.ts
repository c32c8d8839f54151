import type { Operation, OperationStats } from "./operation-stats.js";
import type { HistoryRecorder } from "../../core/history/history-operation.js";
import { historyAnswer, type Outcome } from "../../app/simulate/outcome.js";
import type { TrafficClient } from "./traffic-client.js";
import { chooseOperation, type TrafficMix } from "./traffic-mix.js";

export interface WorkerContext {
  client: TrafficClient;
  patientIds: string[];
  slotIds: string[];
  mix: TrafficMix;
  /** performance.now() after which the worker starts no new call. */
  stopAt: number;
  /** Ends the run early (Ctrl-C), still with its report and audit. */
  stopped: AbortSignal;
  stats: Record<Operation, OperationStats>;
  /** Every booking and confirmation, with its answer, for the history check. */
  history: HistoryRecorder;
}

// Enough to choose from; a long run must not grow without bound.
const remembered = 1000;

/** One simulated client: one call at a time until the run ends. */
export async function runWorker(context: WorkerContext): Promise<void> {
  const holds: string[] = [];
  const appointments: string[] = [];
  while (performance.now() < context.stopAt && !context.stopped.aborted) {
    const operation = chooseOperation(context.mix, holds.length > 0);
    const started = performance.now();
    const outcome = await perform(operation, context, holds, appointments);
    context.stats[operation].record(outcome, performance.now() - started);
  }
}

async function perform(operation: Operation, context: WorkerContext, holds: string[], appointments: string[]): Promise<Outcome> {
  const { client, patientIds, slotIds } = context;
  switch (operation) {
    case "booking": {
      const slotId = pick(slotIds);
      const patientId = pick(patientIds);
      const recorded = context.history.begin("book", { slotId, patientId });
      const outcome = await client.book(slotId, patientId);
      recorded.end(historyAnswer(outcome), outcome.appointmentId);
      if (outcome.appointmentId !== undefined) {
        remember(holds, outcome.appointmentId);
        remember(appointments, outcome.appointmentId);
      }
      return outcome;
    }
    case "confirm": {
      const appointmentId = holds.splice(Math.floor(Math.random() * holds.length), 1)[0]!;
      const recorded = context.history.begin("confirm", { appointmentId });
      const outcome = await client.confirm(appointmentId);
      recorded.end(historyAnswer(outcome));
      return outcome;
    }
    case "read":
      return appointments.length > 0 && Math.random() < 0.5
        ? client.getAppointment(pick(appointments))
        : client.listPatientAppointments(pick(patientIds));
  }
}

function pick(ids: string[]): string {
  return ids[Math.floor(Math.random() * ids.length)]!;
}

function remember(ids: string[], id: string): void {
  ids.push(id);
  if (ids.length > remembered) ids.shift();
}
