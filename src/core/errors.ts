/**
 * Every failure the service reports to an API caller, by its code in the error table of docs/api.md.
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
  | "invalid_position"
  | "invalid_webhook_id"
  | "invalid_waitlist_entry_id"
  | "invalid_webhook_secret"
  | "webhook_url_not_allowed"
  | "patient_not_found"
  | "clinician_not_found"
  | "slot_not_found"
  | "appointment_not_found"
  | "schedule_not_found"
  | "webhook_not_found"
  | "waitlist_entry_not_found"
  | "slot_already_booked"
  | "slot_being_booked"
  | "slot_not_open"
  | "slot_in_past"
  | "too_many_holds"
  | "slot_overlaps"
  | "capacity_below_occupancy"
  | "patient_email_taken"
  | "appointment_already_held"
  | "waitlist_entry_exists"
  | "appointment_expired"
  | "invalid_status_transition"
  | "slot_not_started"
  | "idempotency_key_in_use"
  | "idempotency_key_reused"
  | "unauthenticated"
  | "permission_denied"
  | "rate_limited"
  | "watch_buffer_full"
  | "too_many_streams"
  | "unavailable"
  | "internal_error";

/**
 * Failures of the REST layer itself, found before any RPC is chosen: REST
 * answers them (docs/api.md, Errors), no RPC raises them.
 */
export type RestRouteErrorCode = (typeof restRouteErrorCodes)[number];
const restRouteErrorCodes = ["not_found", "method_not_allowed", "request_too_large"] as const;

/**
 * What the sched command reports about its own run, never sent to an API
 * caller: a malformed setting or command line, a database an operator must
 * fix, a port it cannot listen on, or a command that could not do its work.
 * The CLI gives each its exit code in one table (src/cli/exit-codes.ts).
 */
export type CommandErrorCode = (typeof commandErrorCodes)[number];
const commandErrorCodes = ["invalid_configuration", "invalid_usage", "database_not_ready", "port_in_use", "failed"] as const;

export type SchedErrorCode = ErrorCode | RestRouteErrorCode | CommandErrorCode;

/**
 * The one error type of sched, as connect-es has one ConnectError with a
 * code: the code says what kind of failure it is, each protocol turns the
 * code into its own status through one table, and the message is the one
 * line a person reads.
 */
export class SchedError extends Error {
  override readonly name = "SchedError";
  /** When a retry may succeed (rate_limited); every protocol tells the caller. */
  readonly retryAfterMs: number | undefined;
  /** For invalid_configuration: the variable at fault (a flag reports the variable it stands for). */
  readonly variable: string | undefined;
  /** Where a feed consumer resumes from (watch_buffer_full): the position of the last event it was sent. */
  readonly resumeAfter: string | undefined;

  constructor(
    readonly code: SchedErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number; variable?: string; resumeAfter?: string },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.variable = options?.variable;
    this.resumeAfter = options?.resumeAfter;
  }
}

/** Whether an API caller can receive the code: neither a REST route's own failure nor one of the command's. */
export function isApiErrorCode(code: SchedErrorCode): code is ErrorCode {
  return !isRestRouteErrorCode(code) && !(commandErrorCodes as readonly string[]).includes(code);
}

export function isRestRouteErrorCode(code: SchedErrorCode): code is RestRouteErrorCode {
  return (restRouteErrorCodes as readonly string[]).includes(code);
}

export function isSchedError(error: unknown, code?: SchedErrorCode): error is SchedError {
  return error instanceof SchedError && (code === undefined || error.code === code);
}
