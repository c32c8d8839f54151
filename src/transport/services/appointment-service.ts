import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { AppointmentService } from "../../../gen/sched/v1/appointment_service_pb.js";
import { markOverbookedPlace } from "../observability/overbooked-place.js";
import { callerOf } from "../security/caller-context.js";
import type { CreateContext } from "../../core/services/appointments.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { appointmentDetailsMessage, appointmentEventMessage, appointmentMessage } from "./messages.js";

export const idempotencyKeyHeader = "idempotency-key";
/** Set on an answer that replays an earlier request's under the same key, as Stripe does. */
export const idempotentReplayedHeader = "idempotent-replayed";

function idempotency(context: HandlerContext): CreateContext {
  return {
    idempotencyKey: context.requestHeader.get(idempotencyKeyHeader) ?? undefined,
    onReplay: () => context.responseHeader.set(idempotentReplayedHeader, "true"),
    onOverbooked: () => markOverbookedPlace(context),
  };
}

export function appointmentService({ appointments }: CoreServices): ServiceImpl<typeof AppointmentService> {
  return {
    async createAppointment(request, context) {
      const appointment = await appointments.create(
        callerOf(context),
        { slotId: request.slotId, patientId: request.patientId, overbookReason: request.overbookReason },
        idempotency(context),
      );
      return { appointment: appointmentMessage(appointment) };
    },
    async rescheduleAppointment(request, context) {
      const appointment = await appointments.reschedule(
        callerOf(context),
        { id: request.id, slotId: request.slotId, overbookReason: request.overbookReason },
        idempotency(context),
      );
      return { appointment: appointmentMessage(appointment) };
    },
    async checkInAppointment(request, context) {
      return { appointment: appointmentMessage(await appointments.checkIn(callerOf(context), request.id)) };
    },
    async completeAppointment(request, context) {
      return { appointment: appointmentMessage(await appointments.complete(callerOf(context), request.id)) };
    },
    async markNoShow(request, context) {
      return { appointment: appointmentMessage(await appointments.markNoShow(callerOf(context), request.id)) };
    },
    async confirmAppointment(request, context) {
      return { appointment: appointmentMessage(await appointments.confirm(callerOf(context), request.id)) };
    },
    async cancelAppointment(request, context) {
      return { appointment: appointmentMessage(await appointments.cancel(callerOf(context), request.id)) };
    },
    async getAppointment(request, context) {
      return { appointment: appointmentDetailsMessage(await appointments.get(callerOf(context), request.id)) };
    },
    async listAppointments(request, context) {
      const page = await appointments.list(callerOf(context), {
        patientId: request.patientId,
        slotId: request.slotId,
        limit: request.limit,
        offset: request.offset,
      });
      return { appointments: page.appointments.map(appointmentDetailsMessage), total: page.total };
    },
    async listAppointmentEvents(request, context) {
      return { events: (await appointments.listEvents(callerOf(context), request.id)).map(appointmentEventMessage) };
    },
  };
}
