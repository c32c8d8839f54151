import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { DeliveryStatus, WebhookSchema, WebhookService, type DeliverySchema } from "../../../gen/sched/v1/webhook_service_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { SchedError } from "../../core/errors.js";
import type { AppointmentEventType } from "../../core/model/appointment.js";
import type { Delivery, DeliveryStatus as CoreDeliveryStatus, Webhook } from "../../core/model/webhook.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { callerOf } from "../security/caller-context.js";
import { appointmentEventMessage, eventTypeOf, eventTypeValue } from "./messages.js";

const statuses: Record<CoreDeliveryStatus, DeliveryStatus> = {
  pending: DeliveryStatus.PENDING,
  delivered: DeliveryStatus.DELIVERED,
  dead: DeliveryStatus.DEAD,
};

export function webhookService({ webhooks }: CoreServices): ServiceImpl<typeof WebhookService> {
  return {
    async createWebhook(request, context) {
      const eventTypes = request.eventTypes.map((value): AppointmentEventType => {
        const type = eventTypeOf(value);
        if (type === undefined) throw new SchedError("invalid_argument", `event_types: ${value} is not an event type`);
        return type;
      });
      const { webhook, secret } = await webhooks.create(callerOf(context), { url: request.url, eventTypes, secret: request.secret });
      return { webhook: { ...webhookMessage(webhook), secret } };
    },
    async listWebhooks(_request, context) {
      return { webhooks: (await webhooks.list(callerOf(context))).map(webhookMessage) };
    },
    async deleteWebhook(request, context) {
      await webhooks.delete(callerOf(context), request.id);
      return {};
    },
    async listDeliveries(request, context) {
      return { deliveries: (await webhooks.deliveries(callerOf(context), request.id, request.limit)).map(deliveryMessage) };
    },
  };
}

function webhookMessage(webhook: Webhook) {
  return create(WebhookSchema, {
    id: webhook.id,
    url: webhook.url,
    eventTypes: webhook.eventTypes.map(eventTypeValue),
    createdAt: timestampFromDate(webhook.createdAt),
  });
}

function deliveryMessage(delivery: Delivery): MessageInitShape<typeof DeliverySchema> {
  return {
    id: BigInt(delivery.id),
    event: appointmentEventMessage(delivery.event),
    status: statuses[delivery.status],
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === "pending" ? timestampFromDate(delivery.nextAttemptAt) : undefined,
    lastStatus: delivery.lastStatus ?? 0,
    lastError: delivery.lastError ?? "",
    deliveredAt: delivery.deliveredAt === null ? undefined : timestampFromDate(delivery.deliveredAt),
  };
}
