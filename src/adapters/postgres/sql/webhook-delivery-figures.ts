import type { DeliveryFigures } from "../../../core/model/webhook.js";
import type { Queryable } from "../pool.js";

// Read at every scrape of /metrics, over the whole table: deliveries are
// small rows, and one aggregate is cheaper than a counter row that every
// settled delivery would have to lock.
const text = `
SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
       count(*) FILTER (WHERE status = 'dead')::int AS dead,
       count(*) FILTER (WHERE status = 'pending' AND attempts > 0)::int AS retrying,
       count(*) FILTER (WHERE status = 'pending' AND attempts = 0)::int AS waiting,
       coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')), 0)::float8 AS oldest_undelivered_seconds
  FROM webhook_deliveries`;

interface FiguresRow {
  delivered: number;
  dead: number;
  retrying: number;
  waiting: number;
  oldest_undelivered_seconds: number;
}

export async function webhookDeliveryFigures(db: Queryable): Promise<DeliveryFigures> {
  const { rows } = await db.query<FiguresRow>({ name: "webhook_delivery_figures", text });
  const row = rows[0]!;
  return {
    delivered: row.delivered,
    dead: row.dead,
    retrying: row.retrying,
    waiting: row.waiting,
    oldestUndeliveredSeconds: row.oldest_undelivered_seconds,
  };
}
