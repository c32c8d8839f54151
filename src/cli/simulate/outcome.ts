import { errorStatuses } from "../../transport/errors/error-table.js";

export type OutcomeKind = "success" | "conflict" | "error";

/** How one call ended, as the report counts it. */
export interface Outcome {
  kind: OutcomeKind;
  /** SPEC's error code, or a word for a failure that never reached sched. */
  reason?: string;
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
  return { kind: "error", reason };
}
