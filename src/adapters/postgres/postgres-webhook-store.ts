import type { AppointmentEventType } from "../../core/model/appointment.js";
import type { DeliveryOutcome } from "../../core/model/webhook.js";
import type { WebhookStore } from "../../core/ports/webhook-store.js";
import type { Queryable } from "./pool.js";
import { claimWebhookDeliveries } from "./sql/claim-webhook-deliveries.js";
import { createWebhook } from "./sql/create-webhook.js";
import { deleteWebhook } from "./sql/delete-webhook.js";
import { listWebhookDeliveries } from "./sql/list-webhook-deliveries.js";
import { listWebhooks } from "./sql/list-webhooks.js";
import { planWebhookDeliveries } from "./sql/plan-webhook-deliveries.js";
import { settleWebhookDelivery } from "./sql/settle-webhook-delivery.js";
import { webhookDeliveryFigures } from "./sql/webhook-delivery-figures.js";
import { translated } from "./translate-error.js";

export class PostgresWebhookStore implements WebhookStore {
  constructor(private readonly db: Queryable) {}

  create(webhook: { url: string; eventTypes: AppointmentEventType[]; secret: string }) {
    return translated(() => createWebhook(this.db, webhook));
  }

  list() {
    return translated(() => listWebhooks(this.db));
  }

  delete(id: string) {
    return translated(() => deleteWebhook(this.db, id));
  }

  deliveries(webhookId: string, limit: number) {
    return translated(() => listWebhookDeliveries(this.db, webhookId, limit));
  }

  plan(limit: number) {
    return translated(() => planWebhookDeliveries(this.db, limit));
  }

  claim(limit: number, leaseMs: number) {
    return translated(() => claimWebhookDeliveries(this.db, limit, leaseMs));
  }

  settle(id: string, outcome: DeliveryOutcome, next: { dead: boolean; retryInMs: number }) {
    return translated(() => settleWebhookDelivery(this.db, id, outcome, next));
  }

  figures() {
    return translated(() => webhookDeliveryFigures(this.db));
  }
}
