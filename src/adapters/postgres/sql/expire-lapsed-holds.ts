import type { Actor } from "../../../core/access/caller.js";
import type { Queryable } from "../pool.js";

/*
 * One batch of the expiry worker. SKIP LOCKED lets any number of workers run
 * at once: each claims holds no other transaction has locked, and a hold that
 * a booking or confirmation is touching right now is simply left for the next
 * batch. A worker killed mid-batch rolls back and loses nothing.
 *
 * The claimed ids reach the UPDATE as one array, so that it finds them through
 * the primary key whatever the planner thinks of the table: joined to the CTE
 * instead, it hashed the whole appointments table on every batch whenever
 * lapsed holds were a large share of it (a worker catching up after an
 * outage): 49–73 ms per 1000 holds among 100 000, against 30–50 ms now.
 *
 * Each expiry frees a place, which the schema's trigger offers to the slot's
 * waiting list under the slot's row lock (migrations/0013_waitlist.sql).
 * `locked_slots` takes the batch's slot locks first, in id order, as a move
 * does: two workers, or a worker and a move, whose batches share slots then
 * queue instead of each holding one slot the other's offers wait for.
 *
 * Each event names its slot itself, which spares every row of the batch the
 * lookup that migration 0012's trigger makes for an event written without one.
 */
const text = `
WITH due AS (
  SELECT id, slot_id FROM appointments
   WHERE status = 'pending' AND expires_at <= now()
   ORDER BY expires_at
   LIMIT $1
     FOR UPDATE SKIP LOCKED
), locked_slots AS (
  SELECT s.id FROM appointment_slots s
   WHERE s.id = ANY (ARRAY(SELECT slot_id FROM due))
   ORDER BY s.id
     FOR NO KEY UPDATE
), expired AS (
  UPDATE appointments a
     SET status = 'expired', expires_at = NULL, updated_at = now()
   WHERE a.id = ANY (ARRAY(SELECT id FROM due))
     AND (SELECT count(*) FROM locked_slots) >= 0
  RETURNING a.id, a.slot_id
), expired_events AS (
  INSERT INTO event_logs (appointment_id, slot_id, event_type, payload, actor_subject, actor_role)
  SELECT id, slot_id, 'APPOINTMENT_EXPIRED', '{"from": "pending", "to": "expired", "reason": "expiry_worker"}'::jsonb, $2, $3
    FROM expired
)
SELECT count(*)::int AS expired FROM expired`;

/** Expires up to `batchSize` lapsed holds, recording `actor`; returns how many it expired. */
export async function expireLapsedHolds(db: Queryable, actor: Actor, batchSize: number): Promise<number> {
  const { rows } = await db.query<{ expired: number }>({
    name: "expire_lapsed_holds",
    text,
    values: [batchSize, actor.subject, actor.role],
  });
  return rows[0]?.expired ?? 0;
}
