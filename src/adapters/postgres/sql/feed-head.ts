import type { EventPosition } from "../../../core/feed/event-position.js";
import type { Queryable } from "../pool.js";

// The last published event (see read-events-after.ts), and whether committed
// events wait behind a transaction still in progress: both walk
// event_logs_by_position from its end.
const text = `
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)
SELECT last.xid, last.id,
       EXISTS (SELECT 1 FROM event_logs e WHERE e.xid >= h.xmin) AS withheld
  FROM horizon h
  LEFT JOIN LATERAL (
    SELECT e.xid::text AS xid, e.id::text AS id
      FROM event_logs e
     WHERE e.xid < h.xmin
     ORDER BY e.xid DESC, e.id DESC
     LIMIT 1
  ) last ON true`;

export async function feedHead(db: Queryable): Promise<{ latest: EventPosition | undefined; withheld: boolean }> {
  const { rows } = await db.query<{ xid: string | null; id: string | null; withheld: boolean }>({ name: "feed_head", text });
  const row = rows[0]!;
  const latest = row.xid === null || row.id === null ? undefined : { transaction: BigInt(row.xid), id: BigInt(row.id) };
  return { latest, withheld: row.withheld };
}
