import { createHandlerContext } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { EventService } from "../gen/sched/v1/event_service_pb.js";
import { SchedError } from "../src/core/errors.js";
import type { FeedEvent } from "../src/core/feed/feed-event.js";
import type { CoreServices } from "../src/core/services/core-services.js";
import type { NodeRequest } from "../src/transport/http/http-route.js";
import { createServerMetrics } from "../src/transport/observability/server-metrics.js";
import { withCaller } from "../src/transport/security/caller-context.js";
import { clientAddressValues } from "../src/transport/security/client-address.js";
import { eventService } from "../src/transport/services/event-service.js";

/*
 * The feed's metrics as WatchEvents keeps them, whatever the protocol: open
 * streams, events sent, and streams ended for a full buffer. The feed here
 * hands out three events and then overflows, as a slow consumer's does.
 */

function event(id: number): FeedEvent {
  return {
    id: String(id),
    position: `10-${id}`,
    at: { xid: 10n, id: BigInt(id) },
    appointmentId: "0193b1c4-0000-7000-8000-000000000001",
    eventType: "APPOINTMENT_CREATED",
    payload: {},
    createdAt: new Date("2031-01-06T08:00:00Z"),
    actor: { subject: "desk", role: "staff" },
  } as unknown as FeedEvent;
}

type Watch = (request: object, context: unknown) => AsyncIterable<unknown>;

describe("the feed's metrics", () => {
  it("count open streams, the events sent to them and the streams ended with watch_buffer_full", async () => {
    const metrics = createServerMetrics();
    const core = {
      events: {
        async *watch() {
          for (const id of [1, 2, 3]) yield event(id);
          throw new SchedError("watch_buffer_full", "the stream fell behind", { resumeAfter: "10-3" });
        },
      },
    } as unknown as CoreServices;
    const watch = eventService(core, { streamsPerAddress: 5, metrics }).watchEvents as unknown as Watch;
    const context = createHandlerContext({
      service: EventService,
      method: EventService.method.watchEvents,
      protocolName: "grpc",
      requestMethod: "POST",
      url: "http://sched/sched.v1.EventService/WatchEvents",
      contextValues: withCaller(clientAddressValues({ socket: { remoteAddress: "10.0.0.9" } } as unknown as NodeRequest), { subject: "desk", role: "staff" }),
    });
    const value = async (name: string): Promise<number> => (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;

    const stream = watch({ eventTypes: [] }, context)[Symbol.asyncIterator]();
    await stream.next();
    expect({ open: await value("sched_watch_streams"), sent: await value("sched_watch_events_sent_total") }).toEqual({ open: 1, sent: 1 });
    await stream.next();
    await stream.next();
    await expect(stream.next()).rejects.toMatchObject({ code: "watch_buffer_full" });
    expect({
      open: await value("sched_watch_streams"),
      sent: await value("sched_watch_events_sent_total"),
      bufferFull: await value("sched_watch_buffer_full_total"),
    }).toEqual({ open: 0, sent: 3, bufferFull: 1 });
  });
});
