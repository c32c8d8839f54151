import type { Caller } from "../access/caller.js";
import {
  confinedToPatient,
  idempotencyScope,
  requireOwnAppointment,
  requirePatientSelf,
  requireStaff,
  requireStaffOrService,
} from "../access/policy.js";
import { SchedError } from "../errors.js";
import { requireUuid } from "../ids.js";
import type { Appointment, AppointmentDetails, AppointmentEvent, AppointmentPage, Overbooking, VisitStep } from "../model/appointment.js";
import { visitSteps } from "../model/visit-steps.js";
import { pageOf, type PageRequest } from "../paging.js";
import type { IdempotencyLease } from "../model/idempotency.js";
import type { AppointmentStore, IdempotencyStore } from "../ports/appointment-store.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { SlotLock } from "../ports/slot-lock.js";
import { requirePlainText } from "../text.js";
import { IdempotentCreates } from "./idempotent-creates.js";

const maxOverbookReasonLength = 500;

export interface AppointmentsOptions {
  store: AppointmentStore;
  idempotency: IdempotencyStore;
  lock: SlotLock;
  /** How long a pending hold reserves capacity (APPOINTMENT_TTL). */
  holdTtlMs: number;
  /** The most unexpired holds one patient may have at once, whoever made them (MAX_ACTIVE_HOLDS_PER_PATIENT); 0: no cap. */
  maxActiveHoldsPerPatient?: number;
  /** The most places staff may add beyond one slot's capacity (OVERBOOK_LIMIT); default 1. */
  overbookLimit?: number;
  logger?: Logger;
}

/** What a booking or a move may carry besides its ids. */
export interface OverbookRequest {
  /** Why staff place it beyond the slot's capacity if the slot is full; empty or absent: no overbooking. */
  overbookReason?: string | undefined;
}

export interface CreateContext {
  /** The Idempotency-Key header or idempotency-key metadata, when sent; scoped to the caller. */
  idempotencyKey?: string | undefined;
  /** Called when the answer is the replay of an earlier request's under the same key: nothing new was booked. */
  onReplay?: (() => void) | undefined;
  /**
   * Called when this call itself took a place beyond the slot's capacity, as
   * the database decided it: never for a replay, a move to the slot the
   * appointment was in already, or a reason that met a slot with room.
   */
  onOverbooked?: (() => void) | undefined;
}

export interface ListRequest extends PageRequest {
  patientId?: string | undefined;
  slotId?: string | undefined;
}

/**
 * Holds, confirmations, cancellations and the audit trail: the reason sched
 * exists. Staff and services reach every appointment; a patient only its own
 * (src/core/access/policy.ts), and every change records its caller as the actor.
 */
export class Appointments {
  private readonly idempotentCreates: IdempotentCreates;
  private readonly logger: Logger;

  constructor(private readonly options: AppointmentsOptions) {
    this.logger = options.logger ?? silentLogger;
    this.idempotentCreates = new IdempotentCreates(options.idempotency, this.logger);
  }

  /** A patient may book only for itself; only staff may overbook. */
  async create(caller: Caller, request: { slotId?: string; patientId?: string } & OverbookRequest, context: CreateContext = {}): Promise<Appointment> {
    const slotId = requireUuid(request.slotId, "invalid_slot_id", "slot_id");
    const patientId = requireUuid(request.patientId, "invalid_patient_id", "patient_id");
    requirePatientSelf(caller, patientId);
    const overbook = this.overbooking(caller, request.overbookReason);
    const run = async (lease?: IdempotencyLease): Promise<Appointment> => {
      const hold = await this.hold(caller, slotId, patientId, overbook, lease);
      // Every hold made is a new place: its marker is what the statement decided.
      if (hold.overbooked) context.onOverbooked?.();
      return hold;
    };
    if (context.idempotencyKey === undefined || context.idempotencyKey === "") return run();
    return this.idempotentCreates.run(
      {
        scope: idempotencyScope(caller),
        key: context.idempotencyKey,
        request: [slotId, patientId, ...(overbook ? [overbook.reason] : [])],
        onReplay: context.onReplay,
      },
      run,
    );
  }

  /**
   * Moves an appointment to another slot, taking the new place and freeing
   * the old one at once. A hold stays a hold with a fresh APPOINTMENT_TTL, a
   * booking stays confirmed; moving to its own slot changes nothing. A
   * patient may move only its own; only staff may overbook. It takes no slot
   * lock: moves are rare next to bookings, so a move waits for the slot's row
   * instead of being turned away, and PostgreSQL decides as for a booking.
   */
  async reschedule(
    caller: Caller,
    request: { id?: string; slotId?: string } & OverbookRequest,
    context: CreateContext = {},
  ): Promise<Appointment> {
    const appointmentId = requireUuid(request.id, "invalid_appointment_id", "appointment id");
    const slotId = requireUuid(request.slotId, "invalid_slot_id", "slot_id");
    const overbook = this.overbooking(caller, request.overbookReason);
    const move = { appointmentId, slotId, ttlMs: this.options.holdTtlMs, ...(overbook ? { overbook } : {}) };
    const run = async (lease?: IdempotencyLease): Promise<Appointment> => {
      const outcome = await this.options.store.reschedule(caller, move, confinedToPatient(caller), lease);
      if (outcome) {
        if (outcome.moved && outcome.appointment.overbooked) context.onOverbooked?.();
        return outcome.appointment;
      }
      await this.existing(caller, appointmentId);
      // It exists, is the caller's, and yet the move found nothing: it was changed under the move; say so rather than guess.
      throw new SchedError("invalid_status_transition", "the appointment changed while it was being moved, retry");
    };
    if (context.idempotencyKey === undefined || context.idempotencyKey === "") return run();
    return this.idempotentCreates.run(
      {
        scope: idempotencyScope(caller),
        key: context.idempotencyKey,
        request: ["reschedule", appointmentId, slotId, ...(overbook ? [overbook.reason] : [])],
        onReplay: context.onReplay,
      },
      run,
    );
  }

  /** confirmed → arrived. Checking in an arrived appointment answers it unchanged. */
  checkIn(caller: Caller, id: string | undefined): Promise<Appointment> {
    return this.visitStep(caller, id, "check_in");
  }

  /** arrived → fulfilled. Completing a fulfilled appointment answers it unchanged. */
  complete(caller: Caller, id: string | undefined): Promise<Appointment> {
    return this.visitStep(caller, id, "complete");
  }

  /** confirmed → noshow, once the slot has started. Marking a no-show again answers it unchanged. */
  markNoShow(caller: Caller, id: string | undefined): Promise<Appointment> {
    return this.visitStep(caller, id, "no_show");
  }

  /** Confirming a confirmed appointment succeeds and changes nothing. */
  async confirm(caller: Caller, id: string | undefined): Promise<Appointment> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const confirmed = await this.options.store.confirm(caller, appointmentId, confinedToPatient(caller));
    if (confirmed) return confirmed;
    const current = await this.existing(caller, appointmentId);
    switch (current.status) {
      case "confirmed":
        return current;
      case "pending":
      case "expired":
        throw new SchedError("appointment_expired", "the hold expired before it was confirmed");
      default:
        throw new SchedError("invalid_status_transition", `a ${current.status} appointment cannot be confirmed`);
    }
  }

  /** Cancelling a cancelled appointment succeeds and changes nothing, so that retries are safe. */
  async cancel(caller: Caller, id: string | undefined): Promise<Appointment> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const cancelled = await this.options.store.cancel(caller, appointmentId, confinedToPatient(caller));
    if (cancelled) return cancelled;
    const current = await this.existing(caller, appointmentId);
    if (current.status === "cancelled") return current;
    throw new SchedError("invalid_status_transition", `a ${current.status} appointment cannot be cancelled`);
  }

  async get(caller: Caller, id: string | undefined): Promise<AppointmentDetails> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const details = await this.options.store.findDetails(appointmentId);
    requireOwnAppointment(caller, details?.patient.id);
    if (!details) throw notFound();
    return details;
  }

  /** A patient lists only its own appointments, and never a slot's: those would reveal other patients. */
  async list(caller: Caller, request: ListRequest): Promise<AppointmentPage> {
    const page = pageOf(request);
    const hasPatient = request.patientId !== undefined && request.patientId !== "";
    const hasSlot = request.slotId !== undefined && request.slotId !== "";
    if (hasPatient && hasSlot) {
      throw new SchedError("invalid_argument", "filter by patient_id or by slot_id, not both");
    }
    if (hasPatient) {
      const patientId = requireUuid(request.patientId, "invalid_patient_id", "patient_id");
      requirePatientSelf(caller, patientId);
      return this.options.store.list({ patientId }, page);
    }
    if (hasSlot) {
      const slotId = requireUuid(request.slotId, "invalid_slot_id", "slot_id");
      requireStaffOrService(caller, "list the appointments of a slot");
      return this.options.store.list({ slotId }, page);
    }
    throw new SchedError("missing_filter", "patient_id or slot_id is required");
  }

  async listEvents(caller: Caller, id: string | undefined): Promise<AppointmentEvent[]> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const events = await this.options.store.listEvents(appointmentId, confinedToPatient(caller));
    if (events.length === 0) await this.existing(caller, appointmentId);
    return events;
  }

  /** What happened at the visit is recorded by staff and services, never by the patient. */
  private async visitStep(caller: Caller, id: string | undefined, step: VisitStep): Promise<Appointment> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const rule = visitSteps[step];
    requireStaffOrService(caller, `record that an appointment was ${rule.verb}`);
    const changed = await this.options.store.recordVisitStep(caller, appointmentId, rule);
    if (changed) return changed;
    const current = await this.existing(caller, appointmentId);
    if (current.status === rule.to) return current;
    if (current.status === rule.from && rule.afterSlotStart) {
      throw new SchedError("slot_not_started", "the slot has not started yet: a no-show is recorded only after its start");
    }
    throw new SchedError("invalid_status_transition", `a ${current.status} appointment cannot be ${rule.verb}`);
  }

  /** The overbooking a request asks for, if any: only staff may, with a reason for the audit log. */
  private overbooking(caller: Caller, reason: string | undefined): Overbooking | undefined {
    const text = requirePlainText(reason, "overbook_reason")?.trim() ?? "";
    if (text === "") return undefined;
    requireStaff(caller, "overbook a slot");
    if (text.length > maxOverbookReasonLength) {
      throw new SchedError("invalid_argument", `overbook_reason must be at most ${maxOverbookReasonLength} characters`);
    }
    return { reason: text, limit: this.options.overbookLimit ?? 1 };
  }

  private async hold(caller: Caller, slotId: string, patientId: string, overbook: Overbooking | undefined, lease?: IdempotencyLease) {
    const lock = await this.options.lock.tryAcquire(slotId);
    if (lock.outcome === "busy") {
      throw new SchedError("slot_being_booked", "another request is booking this slot right now, retry");
    }
    try {
      const maxActiveHoldsPerPatient = this.options.maxActiveHoldsPerPatient ?? 0;
      const hold = { slotId, patientId, ttlMs: this.options.holdTtlMs, maxActiveHoldsPerPatient, ...(overbook ? { overbook } : {}) };
      return await this.options.store.createHold(caller, hold, lease);
    } finally {
      // The answer does not wait for the release: the release is sent before
      // the answer, so any later request meets the slot unlocked, and waiting
      // for Redis to acknowledge it only added a round trip to every booking.
      if (lock.outcome === "acquired") {
        lock.release().catch((error: unknown) => this.logger.warn({ err: error }, "could not release a slot lock; it expires by itself"));
      }
    }
  }

  /** After a change found nothing to change: the appointment as it is, if the caller may see it. */
  private async existing(caller: Caller, appointmentId: string): Promise<Appointment> {
    const appointment = await this.options.store.find(appointmentId);
    requireOwnAppointment(caller, appointment?.patientId);
    if (!appointment) throw notFound();
    return appointment;
  }
}

function notFound(): SchedError {
  return new SchedError("appointment_not_found", "appointment not found");
}
