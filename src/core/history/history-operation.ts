/** A client's request as the history records it, from its first send to its final answer. */
export type OperationKind = "book" | "confirm" | "cancel" | "reschedule" | VisitKind;
/** The visit's steps: check-in (confirmed → arrived), completion (arrived → fulfilled), no-show (confirmed → noshow). */
export type VisitKind = "check_in" | "complete" | "no_show";

/**
 * How a request ended for the client:
 * - `ok`: acknowledged (2xx): the change was made and the client was told so;
 * - `refused`: a definite refusal (4xx): nothing was changed;
 * - `unknown`: no answer, a 5xx, or a refusal after an earlier attempt went
 *   unanswered; the change may or may not have been made.
 */
export type OperationAnswer = { outcome: "ok" } | { outcome: "refused"; code: string } | { outcome: "unknown"; reason: string };

export interface HistoryOperation {
  kind: OperationKind;
  /** book: the id its answer carried (acknowledged only); every other kind: the appointment asked for. */
  appointmentId?: string;
  /** book: the slot and patient asked for; reschedule: the slot asked for. */
  slotId?: string;
  patientId?: string;
  /** Milliseconds since the epoch (Date.now()) when the first attempt was sent and the final answer arrived. */
  startedAt: number;
  endedAt: number;
  answer: OperationAnswer;
}

/**
 * Records every operation a load driver sends, in the order they end. A
 * retried call is one operation: `begin` before the first attempt, `end`
 * with the answer that counted.
 */
export class HistoryRecorder {
  readonly operations: HistoryOperation[] = [];

  begin(kind: OperationKind, fields: Pick<HistoryOperation, "appointmentId" | "slotId" | "patientId"> = {}): {
    end(answer: OperationAnswer, appointmentId?: string): HistoryOperation;
  } {
    const startedAt = Date.now();
    return {
      end: (answer, appointmentId) => {
        const id = appointmentId ?? fields.appointmentId;
        const operation: HistoryOperation = { kind, ...fields, ...(id === undefined ? {} : { appointmentId: id }), startedAt, endedAt: Date.now(), answer };
        this.operations.push(operation);
        return operation;
      },
    };
  }
}
