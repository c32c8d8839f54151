import type { DeliveryOutcome } from "../../../core/model/webhook.js";
import type { Queryable } from "../pool.js";

// Only a pending delivery changes: one delivered by a worker whose lease had
// ended, while another tried it again, stays delivered.
const text = `
UPDATE webhook_deliveries
   SET status = CASE WHEN $2 THEN 'delivered' WHEN $3 THEN 'dead' ELSE 'pending' END::webhook_delivery_status,
       delivered_at = CASE WHEN $2 THEN now() END,
       next_attempt_at = CASE WHEN $2 OR $3 THEN next_attempt_at ELSE now() + make_interval(secs => $4::double precision / 1000) END,
       last_status = $5,
       last_error = $6
 WHERE id = $1 AND status = 'pending'`;

export async function settleWebhookDelivery(db: Queryable, id: string, outcome: DeliveryOutcome, next: { dead: boolean; retryInMs: number }): Promise<void> {
  await db.query({
    name: "settle_webhook_delivery",
    text,
    values: [id, outcome.ok, next.dead, next.retryInMs, outcome.status, outcome.ok ? null : outcome.error.slice(0, 500)],
  });
}
