import { Code } from "@connectrpc/connect";
import type { ErrorCode, RestRouteErrorCode } from "../../core/errors.js";

export interface ErrorStatus {
  /** The gRPC / Connect code. */
  code: Code;
  /** The REST status (docs/api.md, Errors). */
  http: number;
}

const invalid: ErrorStatus = { code: Code.InvalidArgument, http: 400 };
const notFound: ErrorStatus = { code: Code.NotFound, http: 404 };
const conflict: ErrorStatus = { code: Code.FailedPrecondition, http: 409 };
const exists: ErrorStatus = { code: Code.AlreadyExists, http: 409 };

/**
 * The one table that turns a domain error code into transport statuses. The
 * gRPC code tells a client what kind of failure it is; the ErrorInfo reason
 * (the domain code itself) tells slot_already_booked from slot_being_booked.
 */
export const errorStatuses: Record<ErrorCode, ErrorStatus> = {
  invalid_request_body: invalid,
  invalid_argument: invalid,
  invalid_slot_id: invalid,
  invalid_patient_id: invalid,
  invalid_appointment_id: invalid,
  invalid_clinician_id: invalid,
  invalid_time_range: invalid,
  invalid_capacity: invalid,
  invalid_schedule_id: invalid,
  invalid_schedule: invalid,
  invalid_time_zone: invalid,
  missing_filter: invalid,
  invalid_position: invalid,
  invalid_webhook_id: invalid,
  invalid_webhook_secret: invalid,
  webhook_url_not_allowed: invalid,
  invalid_waitlist_entry_id: invalid,
  patient_not_found: notFound,
  clinician_not_found: notFound,
  slot_not_found: notFound,
  appointment_not_found: notFound,
  schedule_not_found: notFound,
  webhook_not_found: notFound,
  waitlist_entry_not_found: notFound,
  slot_already_booked: conflict,
  slot_being_booked: { code: Code.Aborted, http: 409 },
  slot_not_open: conflict,
  slot_in_past: conflict,
  too_many_holds: conflict,
  slot_overlaps: exists,
  capacity_below_occupancy: conflict,
  patient_email_taken: exists,
  appointment_already_held: exists,
  waitlist_entry_exists: exists,
  appointment_expired: conflict,
  invalid_status_transition: conflict,
  slot_not_started: conflict,
  idempotency_key_in_use: { code: Code.Aborted, http: 409 },
  idempotency_key_reused: { code: Code.FailedPrecondition, http: 422 },
  unauthenticated: { code: Code.Unauthenticated, http: 401 },
  permission_denied: { code: Code.PermissionDenied, http: 403 },
  rate_limited: { code: Code.ResourceExhausted, http: 429 },
  watch_buffer_full: { code: Code.ResourceExhausted, http: 429 },
  too_many_streams: { code: Code.ResourceExhausted, http: 429 },
  unavailable: { code: Code.Unavailable, http: 503 },
  internal_error: { code: Code.Internal, http: 500 },
};

/**
 * Failures of the REST layer itself, found before any RPC is chosen or
 * called (SchedErrors of a RestRouteErrorCode): no RPC can raise them, so
 * they have no gRPC code, but their statuses belong with the others. The
 * CLI's own codes have their exit codes in src/cli/exit-codes.ts.
 */
export const restProtocolStatuses: Record<RestRouteErrorCode, number> = {
  not_found: 404,
  method_not_allowed: 405,
  request_too_large: 413,
};

