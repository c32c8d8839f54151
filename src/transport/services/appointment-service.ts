import type { ServiceImpl } from "@connectrpc/connect";
import { AppointmentService } from "../../../gen/sched/v1/appointment_service_pb.js";
import type { CoreServices } from "./core-services.js";
import { appointmentDetailsMessage, appointmentEventMessage, appointmentMessage } from "./messages.js";

export const idempotencyKeyHeader = "idempotency-key";

export function appointmentService({ appointments }: CoreServices): ServiceImpl<typeof AppointmentService> {
  return {
    async createAppointment(request, context) {
      const appointment = await appointments.create(
        { slotId: request.slotId, patientId: request.patientId },
        { idempotencyKey: context.requestHeader.get(idempotencyKeyHeader) ?? undefined },
      );
      return { appointment: appointmentMessage(appointment) };
    },
    async confirmAppointment(request) {
      return { appointment: appointmentMessage(await appointments.confirm(request.id)) };
    },
    async cancelAppointment(request) {
      return { appointment: appointmentMessage(await appointments.cancel(request.id)) };
    },
    async getAppointment(request) {
      return { appointment: appointmentDetailsMessage(await appointments.get(request.id)) };
    },
    async listAppointments(request) {
      const page = await appointments.list({
        patientId: request.patientId,
        slotId: request.slotId,
        limit: request.limit,
        offset: request.offset,
      });
      return { appointments: page.appointments.map(appointmentDetailsMessage), total: page.total };
    },
    async listAppointmentEvents(request) {
      return { events: (await appointments.listEvents(request.id)).map(appointmentEventMessage) };
    },
  };
}
