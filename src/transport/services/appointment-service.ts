import type { ServiceImpl } from "@connectrpc/connect";
import { AppointmentService } from "../../../gen/sched/v1/appointment_service_pb.js";
import { callerOf } from "../security/caller-context.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { appointmentDetailsMessage, appointmentEventMessage, appointmentMessage } from "./messages.js";

export const idempotencyKeyHeader = "idempotency-key";
/** Set on an answer that replays an earlier request's under the same key, as Stripe does. */
export const idempotentReplayedHeader = "idempotent-replayed";

export function appointmentService({ appointments }: CoreServices): ServiceImpl<typeof AppointmentService> {
  return {
    async createAppointment(request, context) {
      const appointment = await appointments.create(
        callerOf(context),
        { slotId: request.slotId, patientId: request.patientId },
        {
          idempotencyKey: context.requestHeader.get(idempotencyKeyHeader) ?? undefined,
          onReplay: () => context.responseHeader.set(idempotentReplayedHeader, "true"),
        },
      );
      return { appointment: appointmentMessage(appointment) };
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
