import type { OperationAnswer } from "../../core/history/history-operation.js";
import { errorStatuses } from "../../transport/errors/error-table.js";

export type OutcomeKind = "success" | "conflict" | "error";

/** How one call ended, as the report counts it. */
export interface Outcome {
  kind: OutcomeKind;
  /** The error code (docs/api.md), or a word for a failure that never reached sched. */
  reason?: string;
  /** No answer came back (a transport failure): the call may or may not have made its change. */
  unanswered?: true;
}

export const success: Outcome = { kind: "success" };

// The 409 codes of the error table are the answers a busy, correct service
// gives under contention (full slot, slot locked, hold lapsed, …); anything
// else is an error worth looking at.
const conflictReasons = new Set(
  Object.entries(errorStatuses)
    .filter(([, status]) => status.http === 409)
    .map(([code]) => code),
);

export function refusal(reason: string): Outcome {
  return { kind: conflictReasons.has(reason) ? "conflict" : "error", reason };
}

export function failure(reason: string): Outcome {
  return { kind: "error", reason, unanswered: true };
}

// Answers that may come after the change was made (a commit whose answer failed).
const uncertainReasons = new Set(["unavailable", "internal_error"]);

/** The outcome as the history checker reads it: acknowledged, refused (nothing changed), or of unknown fate. */
export function historyAnswer(outcome: Outcome): OperationAnswer {
  if (outcome.kind === "success") return { outcome: "ok" };
  const reason = outcome.reason ?? "unknown";
  if (outcome.unanswered || uncertainReasons.has(reason) || /^(http_5|grpc_)/.test(reason)) return { outcome: "unknown", reason };
  return { outcome: "refused", code: reason };
}
