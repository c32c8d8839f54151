import type { Queryable } from "../pool.js";

export interface SeedSlots {
  clinicianIds: string[];
  /** One working schedule as RFC 3339 times; every clinician of the batch gets all of it. */
  startTimes: string[];
  endTimes: string[];
  capacity: number;
}

// PostgreSQL expands clinicians × schedule itself, so a batch of thousands of
// slots travels as a few dozen values. Rows go in clinician by clinician, in
// time order, which keeps the exclusion constraint's GiST index cheap to
// search and to grow.
const text = `
INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
SELECT clinician.id, schedule.start_time, schedule.end_time, $4
  FROM unnest($1::uuid[]) WITH ORDINALITY AS clinician (id, position)
 CROSS JOIN unnest($2::timestamptz[], $3::timestamptz[]) AS schedule (start_time, end_time)
 ORDER BY clinician.position, schedule.start_time`;

/** Inserts every clinician's slots of one schedule in one statement; returns how many. */
export async function seedSlots(db: Queryable, slots: SeedSlots): Promise<number> {
  const values = [slots.clinicianIds, slots.startTimes, slots.endTimes, slots.capacity];
  const { rowCount } = await db.query({ name: "seed_slots", text, values });
  return rowCount ?? 0;
}
