import type { Actor } from "../access/caller.js";
import type { Appointment, AppointmentDetails, AppointmentEvent, AppointmentPage, Move, MoveOutcome, NewHold } from "../model/appointment.js";
import type { VisitStepRule } from "../model/visit-steps.js";
import type { IdempotencyLease, StoredAnswer } from "../model/idempotency.js";

export type AppointmentFilter = { patientId: string } | { slotId: string };

/**
 * Appointments and their audit log. Every state change writes its event in
 * the same transaction. Methods throw SchedError for domain failures; the
 * ones that return undefined leave it to the caller to find out why.
 */
export interface AppointmentStore {
  /**
   * Creates a pending hold, deciding capacity, the patient's hold cap and
   * whether the slot has started atomically, and records `actor` in its event. With a lease, the answer is stored under the idempotency
   * key in the same transaction as the hold; idempotency_key_in_use if the
   * lease was taken over meanwhile.
   */
  createHold(
    actor: Actor,
    hold: NewHold,
    lease?: IdempotencyLease,
  ): Promise<Appointment>;
  /**
   * The confirmed appointment, or undefined when it is not a live hold (or,
   * with `ownedBy`, not that patient's).
   */
  confirm(actor: Actor, id: string, ownedBy?: string): Promise<Appointment | undefined>;
  /**
   * The cancelled appointment, or undefined when it is not pending or
   * confirmed (or, with `ownedBy`, not that patient's).
   */
  cancel(actor: Actor, id: string, ownedBy?: string): Promise<Appointment | undefined>;
  /**
   * Moves the appointment to another slot in one transaction, deciding the
   * new slot's capacity like a booking; the appointment unchanged (`moved`
   * false) when it is in that slot already; undefined when there is no such appointment (or,
   * with `ownedBy`, not that patient's). Refusals throw SchedError. With a
   * lease, the answer is stored under the idempotency key in the same
   * transaction as the move.
   */
  reschedule(actor: Actor, move: Move, ownedBy?: string, lease?: IdempotencyLease): Promise<MoveOutcome | undefined>;
  /** The appointment after the step, or undefined when it is not in the step's starting status (or its slot has not started, for a no-show). */
  recordVisitStep(actor: Actor, id: string, step: VisitStepRule): Promise<Appointment | undefined>;
  find(id: string): Promise<Appointment | undefined>;
  findDetails(id: string): Promise<AppointmentDetails | undefined>;
  list(filter: AppointmentFilter, page: { limit: number; offset: number }): Promise<AppointmentPage>;
  /** Oldest first; empty when the appointment does not exist (or, with `ownedBy`, is not that patient's). */
  listEvents(appointmentId: string, ownedBy?: string): Promise<AppointmentEvent[]>;
  /** Expires up to batchSize lapsed holds with their events, recording `actor`; returns how many. */
  expireLapsedHolds(actor: Actor, batchSize: number): Promise<number>;
}

export type IdempotencyClaim =
  | { state: "claimed"; lease: IdempotencyLease }
  | { state: "answered"; answer: StoredAnswer }
  | { state: "mismatch" }
  | { state: "in_progress" };

/** Idempotency keys for creates: claimed before the work, answered with it. */
export interface IdempotencyStore {
  claim(request: { scope: string; key: string; requestHash: string; leaseMs: number; retentionMs: number }): Promise<IdempotencyClaim>;
  /** Stores a refusal as the key's answer, so that a retry gets the same one. */
  answer(lease: IdempotencyLease, answer: StoredAnswer): Promise<void>;
  /** Gives the key back after a failure worth retrying; nothing is stored. */
  release(lease: IdempotencyLease): Promise<void>;
}
