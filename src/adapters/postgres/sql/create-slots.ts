import { SchedError } from "../../../core/errors.js";
import type { NewSlot, Slot } from "../../../core/model/slot.js";
import type { Queryable } from "../pool.js";
import { toSlot, type SlotRow } from "../rows/slot-row.js";
import { translated } from "../translate-error.js";

// One INSERT for the whole batch, so it is all or nothing without a
// transaction: the exclusion constraint sees earlier rows of the same
// statement, so slots of one batch that overlap each other are refused too.
// Ids are drawn up front so that the result can be put back in input order,
// which RETURNING does not promise.
// The foreign key is checked only at the end of the statement, after the
// exclusion constraint: a batch naming an unknown clinician inserts nothing
// here instead, so that it is clinician_not_found whatever its times.
const text = `
WITH input AS (
  SELECT gen_random_uuid() AS id, clinician_id, start_time, end_time, capacity, position
    FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::int[])
         WITH ORDINALITY AS batch (clinician_id, start_time, end_time, capacity, position)
),
inserted AS (
  INSERT INTO appointment_slots (id, clinician_id, start_time, end_time, capacity)
  SELECT id, clinician_id, start_time, end_time, capacity FROM input
   WHERE NOT EXISTS (
     SELECT 1 FROM input AS named WHERE NOT EXISTS (SELECT 1 FROM clinicians WHERE clinicians.id = named.clinician_id)
   )
   ORDER BY position
  RETURNING id, clinician_id, start_time, end_time, status, capacity
)
SELECT inserted.*, inserted.capacity AS available, 0 AS overbooked
  FROM inserted
  JOIN input USING (id)
 ORDER BY input.position`;

export async function createSlots(db: Queryable, slots: NewSlot[]): Promise<Slot[]> {
  const values = [
    slots.map((slot) => slot.clinicianId),
    slots.map((slot) => slot.startTime),
    slots.map((slot) => slot.endTime),
    slots.map((slot) => slot.capacity),
  ];
  return translated(async () => {
    const { rows } = await db.query<SlotRow>({ name: "create_slots", text, values });
    if (rows.length === 0 && slots.length > 0) throw new SchedError("clinician_not_found", "clinician not found");
    return rows.map(toSlot);
  });
}
