/**
 * Every failure the service reports, by its code in the error table of docs/api.md.
 * The transport maps each code to an HTTP status and a gRPC code in one
 * place; nothing else inspects messages.
 */
export type ErrorCode =
  | "invalid_request_body"
  | "invalid_argument"
  | "invalid_slot_id"
  | "invalid_patient_id"
  | "invalid_appointment_id"
  | "invalid_clinician_id"
  | "invalid_time_range"
  | "invalid_capacity"
  | "invalid_schedule_id"
  | "invalid_schedule"
  | "invalid_time_zone"
  | "missing_filter"
  | "patient_not_found"
  | "clinician_not_found"
  | "slot_not_found"
  | "appointment_not_found"
  | "schedule_not_found"
  | "slot_already_booked"
  | "slot_being_booked"
  | "slot_not_open"
  | "slot_in_past"
  | "too_many_holds"
  | "slot_overlaps"
  | "capacity_below_occupancy"
  | "patient_email_taken"
  | "appointment_already_held"
  | "appointment_expired"
  | "invalid_status_transition"
  | "idempotency_key_in_use"
  | "idempotency_key_reused"
  | "unauthenticated"
  | "permission_denied"
  | "rate_limited"
  | "unavailable"
  | "internal_error";

export class SchedError extends Error {
  override readonly name = "SchedError";
  /** When a retry may succeed (rate_limited); every protocol tells the caller. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isSchedError(error: unknown, code?: ErrorCode): error is SchedError {
  return error instanceof SchedError && (code === undefined || error.code === code);
}
