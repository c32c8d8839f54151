import type { Queryable } from "../pool.js";

// Every booking writes its slot's row before its appointment exists (the
// capacity trigger), so once this transaction holds the rows of the
// schedule's future slots no booking can slip into one of them until it
// commits; the next statement, with a fresh snapshot, sees every booking
// that committed before. A booking waiting on a lock then finds its slot
// deleted and is refused slot_not_open.
const text = `
SELECT id FROM appointment_slots
 WHERE schedule_id = $1 AND start_time >= $2 AND status <> 'deleted'
 ORDER BY id
   FOR UPDATE`;

export async function lockScheduleSlots(db: Queryable, scheduleId: string, from: Date): Promise<void> {
  await db.query({ name: "lock_schedule_slots", text, values: [scheduleId, from] });
}
