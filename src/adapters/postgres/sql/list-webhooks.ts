import type { Webhook } from "../../../core/model/webhook.js";
import type { Queryable } from "../pool.js";
import { toWebhook, webhookColumns, type WebhookRow } from "../rows/webhook-row.js";

const text = `SELECT ${webhookColumns} FROM webhooks ORDER BY created_at, id`;

export async function listWebhooks(db: Queryable): Promise<Webhook[]> {
  const { rows } = await db.query<WebhookRow>({ name: "list_webhooks", text });
  return rows.map(toWebhook);
}
