import type { ErrorCode } from "../errors.js";
import type { Appointment } from "./appointment.js";

/** Proof that this request holds an idempotency key while it works. */
export interface IdempotencyLease {
  scope: string;
  key: string;
  token: string;
}

/** The first answer given under a key, replayed to every retry. */
export type StoredAnswer = { appointment: Appointment } | { error: { code: ErrorCode; message: string } };
