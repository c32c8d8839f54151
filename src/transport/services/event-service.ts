import type { ServiceImpl } from "@connectrpc/connect";
import { EventService } from "../../../gen/sched/v1/event_service_pb.js";
import { SchedError } from "../../core/errors.js";
import type { AppointmentEventType } from "../../core/model/appointment.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { callerOf } from "../security/caller-context.js";
import { appointmentEventMessage, eventTypeOf } from "./messages.js";

/**
 * The header a reconnecting EventSource sends with the id of the last message
 * it received: over REST it wins over `after`, as browsers and SSE clients
 * resume that way.
 */
export const lastEventIdHeader = "last-event-id";

export function eventService({ events }: CoreServices): ServiceImpl<typeof EventService> {
  return {
    async *watchEvents(request, context) {
      const eventTypes = request.eventTypes.map((value): AppointmentEventType => {
        const type = eventTypeOf(value);
        if (type === undefined) throw new SchedError("invalid_argument", `event_types: ${value} is not an event type`);
        return type;
      });
      const lastEventId = context.protocolName === "rest" ? context.requestHeader.get(lastEventIdHeader) : null;
      const stream = events.watch(
        callerOf(context),
        {
          after: lastEventId ?? request.after,
          slotId: request.slotId,
          clinicianId: request.clinicianId,
          patientId: request.patientId,
          eventTypes,
        },
        context.signal,
      );
      for await (const event of stream) yield { event: appointmentEventMessage(event) };
    },
  };
}
