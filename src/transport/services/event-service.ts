import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { EventService, type WatchEventsRequest } from "../../../gen/sched/v1/event_service_pb.js";
import { isSchedError, SchedError } from "../../core/errors.js";
import type { AppointmentEventType } from "../../core/model/appointment.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { WatchStreamLimits } from "../security/watch-stream-limits.js";
import type { ServerMetrics } from "../observability/server-metrics.js";
import { callerOf } from "../security/caller-context.js";
import { clientAddressOf } from "../security/client-address.js";
import { appointmentEventMessage, eventTypeOf } from "./messages.js";

/**
 * The header a reconnecting EventSource sends with the id of the last message
 * it received: over REST it wins over `after`, as browsers and SSE clients
 * resume that way.
 */
export const lastEventIdHeader = "last-event-id";

/** WATCH_STREAMS_PER_ADDRESS unless configured. */
export const defaultStreamsPerAddress = 100;

export interface EventServiceOptions {
  /** The most streams open at once from one client address, over every protocol (WATCH_STREAMS_PER_ADDRESS). */
  streamsPerAddress: number;
  /** Open streams, events sent and streams ended for a full buffer; uncounted without it. */
  metrics?: Pick<ServerMetrics, "watchStreams" | "watchEventsSent" | "watchBufferFull">;
}

/**
 * WatchEvents, which REST serves as /events/stream too. A stream lives as
 * long as its client wants and holds a buffer of WATCH_BUFFER events, so one
 * client address may hold only so many at once.
 */
export function eventService({ events }: CoreServices, { streamsPerAddress, metrics }: EventServiceOptions): ServiceImpl<typeof EventService> {
  const open = new WatchStreamLimits({ perConnection: Number.POSITIVE_INFINITY, perAddress: streamsPerAddress });
  return {
    async *watchEvents(request, context) {
      const release = open.open(undefined, clientAddressOf(context));
      if (typeof release === "string") {
        throw new SchedError(
          "too_many_streams",
          `this address already has ${streamsPerAddress} event streams open (WATCH_STREAMS_PER_ADDRESS): close one before opening another`,
        );
      }
      metrics?.watchStreams.inc();
      try {
        for await (const message of watch(request, context)) {
          metrics?.watchEventsSent.inc();
          yield message;
        }
      } catch (error) {
        if (isSchedError(error, "watch_buffer_full")) metrics?.watchBufferFull.inc();
        throw error;
      } finally {
        metrics?.watchStreams.dec();
        release();
      }
    },
  };

  async function* watch(request: WatchEventsRequest, context: HandlerContext) {
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
  }
}
