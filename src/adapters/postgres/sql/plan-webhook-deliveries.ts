import type { Queryable } from "../pool.js";

// For every webhook no other worker is planning: the published events after
// its cursor (up to $1, in feed order, see read-events-after.ts) become
// deliveries when their type is wanted, and the cursor moves to the last
// event scanned, all in one statement: a crash plans each event once or not
// at all. Answers how many events were scanned.
const text = `
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
hooks AS (
  SELECT w.id, w.event_types, w.cursor_xid, w.cursor_id FROM webhooks w FOR UPDATE SKIP LOCKED
),
scanned AS (
  SELECT h.id AS webhook_id, h.event_types, e.id AS event_id, e.xid, e.appointment_id, e.event_type
    FROM hooks h
   CROSS JOIN horizon
   CROSS JOIN LATERAL (
     SELECT e.id, e.xid, e.appointment_id, e.event_type
       FROM event_logs e
      WHERE (e.xid, e.id) > (h.cursor_xid, h.cursor_id) AND e.xid < horizon.xmin
      ORDER BY e.xid, e.id
      LIMIT $1
   ) e
),
planned AS (
  INSERT INTO webhook_deliveries (webhook_id, event_id, event_xid, appointment_id)
  SELECT webhook_id, event_id, xid, appointment_id
    FROM scanned
   WHERE cardinality(event_types) = 0 OR event_type = ANY (event_types)
   ORDER BY xid, event_id
  ON CONFLICT ON CONSTRAINT webhook_deliveries_once_per_event DO NOTHING
),
advanced AS (
  UPDATE webhooks w
     SET cursor_xid = last.xid, cursor_id = last.event_id
    FROM (SELECT DISTINCT ON (webhook_id) webhook_id, xid, event_id FROM scanned ORDER BY webhook_id, xid DESC, event_id DESC) last
   WHERE w.id = last.webhook_id
)
SELECT count(*)::int AS scanned FROM scanned`;

export async function planWebhookDeliveries(db: Queryable, limit: number): Promise<number> {
  const { rows } = await db.query<{ scanned: number }>({ name: "plan_webhook_deliveries", text, values: [limit] });
  return rows[0]!.scanned;
}
