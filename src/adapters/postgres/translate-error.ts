import { SchedError, type ErrorCode } from "../../core/errors.js";
import { isDatabaseMistake } from "./database-mistakes.js";

// Every guard of the schema reports itself by constraint name; this table is
// the one place that knows which domain failure each of them means.
const constraintCodes: Record<string, { code: ErrorCode; message: string }> = {
  appointments_slot_id_fkey: { code: "slot_not_found", message: "slot not found" },
  appointments_patient_id_fkey: { code: "patient_not_found", message: "patient not found" },
  appointments_slot_capacity: { code: "slot_already_booked", message: "the slot has no capacity left" },
  appointments_slot_open: { code: "slot_not_open", message: "the slot is not open for booking" },
  appointments_patient_hold_cap: {
    code: "too_many_holds",
    message: "the patient already holds as many slots as allowed at once: confirm or cancel one first",
  },
  appointments_one_active_per_patient_and_slot: {
    code: "appointment_already_held",
    message: "the patient already holds this slot",
  },
  appointments_legal_transition: { code: "invalid_status_transition", message: "the appointment cannot change to that status" },
  appointments_legal_move: { code: "invalid_status_transition", message: "the appointment cannot move to another slot in its status" },
  appointments_overbook_limit: {
    code: "slot_already_booked",
    message: "the slot is full and already has the overbooked places OVERBOOK_LIMIT allows",
  },
  appointment_slots_clinician_id_fkey: { code: "clinician_not_found", message: "clinician not found" },
  appointment_slots_no_overlap: { code: "slot_overlaps", message: "the clinician already has a slot at that time" },
  appointment_slots_time_range: { code: "invalid_time_range", message: "a slot must end after it starts" },
  appointment_slots_capacity_positive: { code: "invalid_capacity", message: "capacity must be at least 1" },
  appointment_slots_capacity_covers_occupants: {
    code: "capacity_below_occupancy",
    message: "the slot has more active appointments than that capacity",
  },
  schedules_clinician_id_fkey: { code: "clinician_not_found", message: "clinician not found" },
  schedules_effective_range: { code: "invalid_schedule", message: "effective_until must not be before effective_from" },
  schedules_rules_list: { code: "invalid_schedule", message: "a schedule needs at least one weekly rule" },
  waitlist_entries_patient_id_fkey: { code: "patient_not_found", message: "patient not found" },
  waitlist_entries_slot_id_fkey: { code: "slot_not_found", message: "slot not found" },
  waitlist_entries_clinician_id_fkey: { code: "clinician_not_found", message: "clinician not found" },
  waitlist_entries_one_per_patient_and_slot: { code: "waitlist_entry_exists", message: "the patient already waits for this slot" },
  waitlist_entries_one_per_patient_and_window: { code: "waitlist_entry_exists", message: "the patient already waits for this clinician's window" },
  patients_email_unique: { code: "patient_email_taken", message: "a patient with that email already exists" },
  patients_name_present: { code: "invalid_argument", message: "a patient needs a name" },
  clinicians_name_present: { code: "invalid_argument", message: "a clinician needs a name" },
};

// SQLSTATEs after which the connection is gone: connection exceptions, and
// the server shutting down or crashing.
const connectionLostStates = /^(08|57P0[1-3])/;
// SQLSTATEs that mean "the database cannot serve this now, try again" on a
// connection that stays usable: too many connections or out of resources
// (53), a statement cancelled by statement_timeout (57014), and conflicts
// PostgreSQL resolves by aborting one side (40001, 40P01).
const busyStates = /^(53|57014|40001|40P01)/;
const unavailableSocketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
// What the pg driver says, without a code, when a connection closes, cannot
// open in time, or a statement gets no answer within query_timeout.
const driverConnectionMessages =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|is not queryable|Client has encountered a connection error/i;

/**
 * Whether the error means the connection it happened on is lost or may still
 * be busy with an abandoned statement: such a connection must not go back to
 * the pool.
 */
export function isConnectionFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (connectionLostStates.test(code) || unavailableSocketCodes.has(code))) return true;
  return typeof message === "string" && driverConnectionMessages.test(message);
}

/**
 * Turns whatever the pg driver threw into a SchedError. Driver text (SQL,
 * hosts, values) stays in `cause` for the logs and never reaches a client.
 */
export function translatePgError(error: unknown): SchedError {
  if (error instanceof SchedError) return error;
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  const known = constraint === undefined ? undefined : constraintCodes[constraint];
  if (known) return new SchedError(known.code, known.message, { cause: error });
  if (code === "22P02" || code === "22007" || code === "22008") {
    return new SchedError("invalid_argument", "a value is not in the expected format", { cause: error });
  }
  // Text PostgreSQL cannot store (a NUL: 22021 from the wire, 22P05 from a
  // JSON escape): the core refuses such text first, so this only catches a
  // field it does not know of, and it is still the caller's mistake.
  if (code === "22021" || code === "22P05") {
    return new SchedError("invalid_argument", "a text value contains a character that cannot be stored (NUL or invalid UTF-8)", { cause: error });
  }
  if (isDatabaseMistake(error)) {
    // A missing database or schema is the deployment's fault, not the
    // request's: 503, as for an outage, until an operator fixes it.
    return new SchedError("unavailable", "the database is not ready for sched", { cause: error });
  }
  if (isConnectionFailure(error) || (code !== undefined && busyStates.test(code))) {
    return new SchedError("unavailable", "the database is unavailable, try again", { cause: error });
  }
  return new SchedError("internal_error", "internal error", { cause: error });
}

/** Runs a database call and translates its failure at this edge. */
export async function translated<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translatePgError(error);
  }
}
