import type pg from "pg";
import type { Actor } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";
import type { Appointment, Move, MoveOutcome, NewHold } from "../../core/model/appointment.js";
import type { VisitStepRule } from "../../core/model/visit-steps.js";
import type { IdempotencyLease } from "../../core/model/idempotency.js";
import type { AppointmentFilter, AppointmentStore } from "../../core/ports/appointment-store.js";
import { answerIdempotencyKey } from "./sql/answer-idempotency-key.js";
import { cancelAppointment } from "./sql/cancel-appointment.js";
import { confirmAppointment } from "./sql/confirm-appointment.js";
import { createHold } from "./sql/create-hold.js";
import { expireLapsedHolds } from "./sql/expire-lapsed-holds.js";
import { findAppointment } from "./sql/find-appointment.js";
import { getAppointmentDetails } from "./sql/get-appointment-details.js";
import { listAppointmentEvents } from "./sql/list-appointment-events.js";
import { listAppointments } from "./sql/list-appointments.js";
import { recordVisitStep } from "./sql/record-visit-step.js";
import { rescheduleAppointment } from "./sql/reschedule-appointment.js";
import { inTransaction } from "./transaction.js";
import { translated } from "./translate-error.js";

/**
 * `committed` is called after every write that may have committed events
 * (the feed's announcement, see change-signal.ts): after the transaction, so
 * that a reader woken by it finds them.
 */
export class PostgresAppointmentStore implements AppointmentStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly committed: () => void = () => undefined,
  ) {}

  async createHold(
    actor: Actor,
    hold: NewHold,
    lease?: IdempotencyLease,
  ): Promise<Appointment> {
    // A refused booking may still have expired the slot's lapsed holds.
    try {
      return await this.writeHold(actor, hold, lease);
    } finally {
      this.committed();
    }
  }

  private writeHold(actor: Actor, hold: NewHold, lease?: IdempotencyLease): Promise<Appointment> {
    if (lease === undefined) return translated(() => createHold(this.pool, actor, hold));
    return translated(() =>
      inTransaction(this.pool, async (client) => {
        const appointment = await createHold(client, actor, hold);
        if (!(await answerIdempotencyKey(client, lease, { appointment }))) {
          throw new SchedError("idempotency_key_in_use", "another request took over this idempotency key");
        }
        return appointment;
      }),
    );
  }

  async confirm(actor: Actor, id: string, ownedBy?: string) {
    const confirmed = await translated(() => confirmAppointment(this.pool, actor, id, ownedBy));
    if (confirmed) this.committed();
    return confirmed;
  }

  async cancel(actor: Actor, id: string, ownedBy?: string) {
    const cancelled = await translated(() => cancelAppointment(this.pool, actor, id, ownedBy));
    if (cancelled) this.committed();
    return cancelled;
  }

  async reschedule(actor: Actor, move: Move, ownedBy?: string, lease?: IdempotencyLease): Promise<MoveOutcome | undefined> {
    const outcome = await this.move(actor, move, ownedBy, lease);
    if (outcome !== undefined) this.committed();
    return outcome;
  }

  private move(actor: Actor, move: Move, ownedBy?: string, lease?: IdempotencyLease): Promise<MoveOutcome | undefined> {
    if (lease === undefined) return translated(() => rescheduleAppointment(this.pool, actor, move, ownedBy));
    return translated(() =>
      inTransaction(this.pool, async (client) => {
        const outcome = await rescheduleAppointment(client, actor, move, ownedBy);
        // Nothing found is no answer yet: the service finds out why and settles the key.
        if (outcome !== undefined && !(await answerIdempotencyKey(client, lease, { appointment: outcome.appointment }))) {
          throw new SchedError("idempotency_key_in_use", "another request took over this idempotency key");
        }
        return outcome;
      }),
    );
  }

  async recordVisitStep(actor: Actor, id: string, step: VisitStepRule) {
    const recorded = await translated(() => recordVisitStep(this.pool, actor, id, step));
    if (recorded) this.committed();
    return recorded;
  }

  find(id: string) {
    return translated(() => findAppointment(this.pool, id));
  }

  findDetails(id: string) {
    return translated(() => getAppointmentDetails(this.pool, id));
  }

  list(filter: AppointmentFilter, page: { limit: number; offset: number }) {
    return translated(() => listAppointments(this.pool, filter, page));
  }

  listEvents(appointmentId: string, ownedBy?: string) {
    return translated(() => listAppointmentEvents(this.pool, appointmentId, ownedBy));
  }

  async expireLapsedHolds(actor: Actor, batchSize: number) {
    const expired = await translated(() => expireLapsedHolds(this.pool, actor, batchSize));
    if (expired > 0) this.committed();
    return expired;
  }
}
