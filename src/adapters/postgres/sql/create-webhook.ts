import type { AppointmentEventType } from "../../../core/model/appointment.js";
import type { Webhook } from "../../../core/model/webhook.js";
import type { Queryable } from "../pool.js";
import { toWebhook, webhookColumns, type WebhookRow } from "../rows/webhook-row.js";

// The new webhook follows the feed from its head, the last published event
// (see feed-head.ts): every event published later is delivered, including
// those of transactions still running now.
const text = `
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
head AS (
  SELECT COALESCE(last.xid, '0'::xid8) AS xid, COALESCE(last.id, 0) AS id
    FROM horizon h
    LEFT JOIN LATERAL (
      SELECT e.xid, e.id FROM event_logs e WHERE e.xid < h.xmin ORDER BY e.xid DESC, e.id DESC LIMIT 1
    ) last ON true
)
INSERT INTO webhooks (url, event_types, secret, cursor_xid, cursor_id)
SELECT $1, $2::appointment_event_type[], $3, head.xid, head.id FROM head
RETURNING ${webhookColumns}`;

export async function createWebhook(db: Queryable, webhook: { url: string; eventTypes: AppointmentEventType[]; secret: string }): Promise<Webhook> {
  const { rows } = await db.query<WebhookRow>({ name: "create_webhook", text, values: [webhook.url, webhook.eventTypes, webhook.secret] });
  return toWebhook(rows[0]!);
}
