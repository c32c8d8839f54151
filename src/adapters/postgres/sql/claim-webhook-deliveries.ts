import type { ClaimedDelivery } from "../../../core/model/webhook.js";
import type { Queryable } from "../pool.js";
import { eventColumns, toAppointmentEvent, type EventRow } from "../rows/event-row.js";

interface ClaimRow extends EventRow {
  delivery_id: string;
  url: string;
  secret: string;
  attempts: number;
}

// Due deliveries with no earlier pending delivery of the same appointment to
// the same webhook (in order per appointment: a claimed one stays pending
// until it is settled, so its successor waits), skipping rows another worker
// holds. The claim counts the try and leases the delivery for $2 ms: a worker
// that dies leaves it to be claimed again once the lease ends.
const text = `
WITH due AS (
  SELECT d.id
    FROM webhook_deliveries d
   WHERE d.status = 'pending' AND d.next_attempt_at <= now()
     AND NOT EXISTS (
       SELECT 1 FROM webhook_deliveries p
        WHERE p.webhook_id = d.webhook_id AND p.appointment_id = d.appointment_id AND p.status = 'pending'
          AND (p.event_xid, p.event_id) < (d.event_xid, d.event_id))
   ORDER BY d.next_attempt_at, d.id
   LIMIT $1
   FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE webhook_deliveries d
     SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
    FROM due
   WHERE d.id = due.id
  RETURNING d.id, d.webhook_id, d.event_id, d.attempts
)
SELECT c.id::text AS delivery_id, c.attempts, w.url, w.secret, ${eventColumns}
  FROM claimed c
  JOIN webhooks w ON w.id = c.webhook_id
  JOIN event_logs e ON e.id = c.event_id`;

export async function claimWebhookDeliveries(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimRow>({ name: "claim_webhook_deliveries", text, values: [limit, leaseMs] });
  return rows.map((row) => ({ id: row.delivery_id, url: row.url, secret: row.secret, attempts: row.attempts, event: toAppointmentEvent(row) }));
}
