import type { AppointmentEventType } from "../../../core/model/appointment.js";
import type { Webhook } from "../../../core/model/webhook.js";

export interface WebhookRow {
  id: string;
  url: string;
  event_types: AppointmentEventType[];
  created_at: Date;
}

export const webhookColumns = "id, url, event_types::text[] AS event_types, created_at";

export function toWebhook(row: WebhookRow): Webhook {
  return { id: row.id, url: row.url, eventTypes: row.event_types, createdAt: row.created_at };
}
