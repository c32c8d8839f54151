import type { Actor } from "../../../core/access/caller.js";
import type { GeneratedSlot } from "../../../core/model/schedule.js";
import type { Queryable } from "../pool.js";
import { occupiesSlotSql } from "../rows/slot-row.js";
import { slotArrays } from "./create-schedule.js";

// The schedule's future slots against the ones its new definition makes,
// after lockScheduleSlots:
// - a slot the schedule still has stays (its capacity follows the rule when
//   its occupants allow);
// - an unbooked slot it no longer has is deleted, giving its time back;
// - a slot holding appointments it no longer has is never touched beyond a
//   mark, outside_schedule_since, and a SLOT_OUTSIDE_SCHEDULE event the first
//   time: staff list it and decide; a later change that fits it again clears
//   the mark.
// Occupants are counted as the capacity trigger counts them: every
// appointment but cancelled and expired ones, holds only until they lapse.
const text = `
WITH wanted AS (
  SELECT * FROM unnest($3::timestamptz[], $4::timestamptz[], $5::int[]) AS w (start_time, end_time, capacity)
),
judged AS (
  SELECT s.id, s.start_time, s.end_time, s.outside_schedule_since, w.capacity AS wanted_capacity,
         CASE
           WHEN w.start_time IS NOT NULL AND occupied.count <= w.capacity THEN 'fits'
           WHEN occupied.count = 0 THEN 'gone'
           ELSE 'outside'
         END AS verdict
    FROM appointment_slots s
    LEFT JOIN wanted w ON w.start_time = s.start_time AND w.end_time = s.end_time
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS count FROM appointments o
       WHERE o.slot_id = s.id
         AND ${occupiesSlotSql("o")}
    ) occupied
   WHERE s.schedule_id = $1 AND s.start_time >= $2 AND s.status <> 'deleted'
),
removed AS (
  UPDATE appointment_slots s
     SET status = 'deleted', updated_at = now()
    FROM judged j
   WHERE s.id = j.id AND j.verdict = 'gone'
  RETURNING s.id
),
kept AS (
  UPDATE appointment_slots s
     SET capacity = CASE WHEN j.verdict = 'fits' THEN j.wanted_capacity ELSE s.capacity END,
         outside_schedule_since = CASE WHEN j.verdict = 'fits' THEN NULL ELSE coalesce(s.outside_schedule_since, now()) END,
         updated_at = now()
    FROM judged j
   WHERE s.id = j.id
     AND ((j.verdict = 'fits' AND (s.capacity <> j.wanted_capacity OR s.outside_schedule_since IS NOT NULL))
       OR (j.verdict = 'outside' AND s.outside_schedule_since IS NULL))
  RETURNING s.id, s.start_time, s.end_time, j.verdict
),
reported AS (
  INSERT INTO schedule_events (schedule_id, slot_id, event_type, payload, actor_subject, actor_role)
  SELECT $1, k.id, 'SLOT_OUTSIDE_SCHEDULE',
         jsonb_build_object('start_time', k.start_time, 'end_time', k.end_time),
         $6, $7
    FROM kept k
   WHERE k.verdict = 'outside'
  RETURNING 1
)
SELECT (SELECT count(*)::int FROM removed) AS removed,
       (SELECT count(*)::int FROM judged WHERE verdict = 'outside') AS outside`;

export async function reconcileScheduleSlots(
  db: Queryable,
  scheduleId: string,
  from: Date,
  slots: GeneratedSlot[],
  actor: Actor,
): Promise<{ removed: number; outside: number }> {
  const { rows } = await db.query<{ removed: number; outside: number }>({
    name: "reconcile_schedule_slots",
    text,
    values: [scheduleId, from, ...slotArrays(slots), actor.subject, actor.role],
  });
  return rows[0]!;
}
