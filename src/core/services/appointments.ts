import { SchedError } from "../errors.js";
import { requireUuid } from "../ids.js";
import type { Appointment, AppointmentDetails, AppointmentEvent, AppointmentPage } from "../model/appointment.js";
import { clampPage, type PageRequest } from "../paging.js";
import type { AppointmentStore, IdempotencyStore } from "../ports/appointment-store.js";
import { silentLogger, type Logger } from "../ports/logger.js";
import type { SlotLock } from "../ports/slot-lock.js";
import { IdempotentCreates } from "./idempotent-creates.js";

export interface AppointmentsOptions {
  store: AppointmentStore;
  idempotency: IdempotencyStore;
  lock: SlotLock;
  /** How long a pending hold reserves capacity (APPOINTMENT_TTL). */
  holdTtlMs: number;
  logger?: Logger;
}

export interface CreateContext {
  /** The Idempotency-Key header or idempotency-key metadata, when sent. */
  idempotencyKey?: string | undefined;
  /** Who is calling; idempotency keys are scoped to it. Empty until authentication exists. */
  caller?: string | undefined;
}

export interface ListRequest extends PageRequest {
  patientId?: string | undefined;
  slotId?: string | undefined;
}

/** Holds, confirmations, cancellations and the audit trail: the reason sched exists. */
export class Appointments {
  private readonly idempotentCreates: IdempotentCreates;
  private readonly logger: Logger;

  constructor(private readonly options: AppointmentsOptions) {
    this.logger = options.logger ?? silentLogger;
    this.idempotentCreates = new IdempotentCreates(options.idempotency, this.logger);
  }

  async create(request: { slotId?: string; patientId?: string }, context: CreateContext = {}): Promise<Appointment> {
    const slotId = requireUuid(request.slotId, "invalid_slot_id", "slot_id");
    const patientId = requireUuid(request.patientId, "invalid_patient_id", "patient_id");
    if (context.idempotencyKey === undefined || context.idempotencyKey === "") {
      return this.hold(slotId, patientId);
    }
    return this.idempotentCreates.run(
      { scope: context.caller ?? "", key: context.idempotencyKey, request: { slotId, patientId } },
      (lease) => this.hold(slotId, patientId, lease),
    );
  }

  /** Confirming a confirmed appointment succeeds and changes nothing. */
  async confirm(id: string | undefined): Promise<Appointment> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const confirmed = await this.options.store.confirm(appointmentId);
    if (confirmed) return confirmed;
    const current = await this.existing(appointmentId);
    switch (current.status) {
      case "confirmed":
        return current;
      case "pending":
      case "expired":
        throw new SchedError("appointment_expired", "the hold expired before it was confirmed");
      case "cancelled":
        throw new SchedError("invalid_status_transition", "a cancelled appointment cannot be confirmed");
    }
  }

  /** Cancelling a cancelled appointment succeeds and changes nothing, so that retries are safe. */
  async cancel(id: string | undefined): Promise<Appointment> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const cancelled = await this.options.store.cancel(appointmentId);
    if (cancelled) return cancelled;
    const current = await this.existing(appointmentId);
    if (current.status === "cancelled") return current;
    throw new SchedError("invalid_status_transition", `a ${current.status} appointment cannot be cancelled`);
  }

  async get(id: string | undefined): Promise<AppointmentDetails> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const details = await this.options.store.findDetails(appointmentId);
    if (!details) throw notFound();
    return details;
  }

  async list(request: ListRequest): Promise<AppointmentPage> {
    const page = clampPage(request);
    const hasPatient = request.patientId !== undefined && request.patientId !== "";
    const hasSlot = request.slotId !== undefined && request.slotId !== "";
    if (hasPatient && hasSlot) {
      throw new SchedError("invalid_argument", "filter by patient_id or by slot_id, not both");
    }
    if (hasPatient) {
      return this.options.store.list({ patientId: requireUuid(request.patientId, "invalid_patient_id", "patient_id") }, page);
    }
    if (hasSlot) {
      return this.options.store.list({ slotId: requireUuid(request.slotId, "invalid_slot_id", "slot_id") }, page);
    }
    throw new SchedError("missing_filter", "patient_id or slot_id is required");
  }

  async listEvents(id: string | undefined): Promise<AppointmentEvent[]> {
    const appointmentId = requireUuid(id, "invalid_appointment_id", "appointment id");
    const events = await this.options.store.listEvents(appointmentId);
    if (events.length === 0) await this.existing(appointmentId);
    return events;
  }

  private async hold(slotId: string, patientId: string, lease?: Parameters<AppointmentStore["createHold"]>[1]) {
    const lock = await this.options.lock.tryAcquire(slotId);
    if (lock.outcome === "busy") {
      throw new SchedError("slot_being_booked", "another request is booking this slot right now, retry");
    }
    try {
      return await this.options.store.createHold({ slotId, patientId, ttlMs: this.options.holdTtlMs }, lease);
    } finally {
      // The answer does not wait for the release: the release is sent before
      // the answer, so any later request meets the slot unlocked, and waiting
      // for Redis to acknowledge it only added a round trip to every booking.
      if (lock.outcome === "acquired") {
        lock.release().catch((error: unknown) => this.logger.warn({ err: error }, "could not release a slot lock; it expires by itself"));
      }
    }
  }

  private async existing(appointmentId: string): Promise<Appointment> {
    const appointment = await this.options.store.find(appointmentId);
    if (!appointment) throw notFound();
    return appointment;
  }
}

function notFound(): SchedError {
  return new SchedError("appointment_not_found", "appointment not found");
}

