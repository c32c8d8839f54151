import { SchedError } from "../errors.js";
import type { Caller } from "./caller.js";

/*
 * The access policy (docs/security.md, Access policy), checked by the core services so that
 * every protocol gets the same answer. Staff and services may do everything;
 * a patient reads the public calendar and directory, and reaches only what is
 * its own: its record, its bookings, its appointments. What a method allows
 * is said where the method is; these are the checks it uses.
 */

/** The patient a caller is confined to, or undefined for staff and services, who reach every patient. */
export function confinedToPatient(caller: Caller): string | undefined {
  // A patient's subject is its patient id; ids are compared in the lower case requireUuid returns.
  return caller.role === "patient" ? caller.subject.toLowerCase() : undefined;
}

/** Changing the calendar or the directory is work for staff and services. */
export function requireStaffOrService(caller: Caller, action: string): void {
  if (caller.role === "patient") throw new SchedError("permission_denied", `a patient may not ${action}`);
}

/**
 * Overbooking a slot is a deliberate, audited exception that only staff make:
 * not a patient, and not a service acting on its own. The anonymous caller of
 * a server without authentication may do everything, this too.
 */
export function requireStaff(caller: Caller, action: string): void {
  if (caller.role !== "staff" && caller.role !== "anonymous") {
    throw new SchedError("permission_denied", `only staff may ${action}`);
  }
}

/** A patient may name no patient but itself: in a booking, a listing, a directory read. */
export function requirePatientSelf(caller: Caller, patientId: string): void {
  const own = confinedToPatient(caller);
  if (own !== undefined && own !== patientId) {
    throw new SchedError("permission_denied", "a patient may act only for itself");
  }
}

/**
 * A patient reaches only its own appointments, and learns nothing about the
 * others: another patient's appointment and one that does not exist get the
 * same refusal. `ownerId` is the patient of the appointment found, undefined
 * when there is none.
 */
export function requireOwnAppointment(caller: Caller, ownerId: string | undefined): void {
  const own = confinedToPatient(caller);
  if (own !== undefined && own !== ownerId) {
    throw new SchedError("permission_denied", "a patient may reach only its own appointments");
  }
}

/** Idempotency keys belong to their caller: two callers sending the same key never meet. */
export function idempotencyScope(caller: Caller): string {
  return `${caller.role}:${caller.subject}`;
}
