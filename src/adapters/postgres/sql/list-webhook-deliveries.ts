import type { Delivery, DeliveryStatus } from "../../../core/model/webhook.js";
import type { Queryable } from "../pool.js";
import { eventColumns, toAppointmentEvent, type EventRow } from "../rows/event-row.js";

interface DeliveryRow extends EventRow {
  delivery_id: string;
  webhook_id: string | null;
  status: DeliveryStatus | null;
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
}

// One row with nulls when the webhook exists but has no delivery yet, none when it does not exist.
const text = `
SELECT d.id::text AS delivery_id, d.webhook_id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.delivered_at,
       ${eventColumns}
  FROM webhooks w
  LEFT JOIN LATERAL (
    SELECT * FROM webhook_deliveries d WHERE d.webhook_id = w.id ORDER BY d.id DESC LIMIT $2
  ) d ON true
  LEFT JOIN event_logs e ON e.id = d.event_id
 WHERE w.id = $1
 ORDER BY d.id DESC`;

export async function listWebhookDeliveries(db: Queryable, webhookId: string, limit: number): Promise<Delivery[] | undefined> {
  const { rows } = await db.query<DeliveryRow>({ name: "list_webhook_deliveries", text, values: [webhookId, limit] });
  if (rows.length === 0) return undefined;
  return rows
    .filter((row) => row.status !== null)
    .map((row) => ({
      id: row.delivery_id,
      webhookId: row.webhook_id!,
      event: toAppointmentEvent(row),
      status: row.status!,
      attempts: row.attempts,
      nextAttemptAt: row.next_attempt_at,
      lastStatus: row.last_status,
      lastError: row.last_error,
      deliveredAt: row.delivered_at,
    }));
}
