import { SchedError } from "../../../core/errors.js";
import type { Slot } from "../../../core/model/slot.js";
import type { Queryable } from "../pool.js";
import { availableCapacitySql, overbookedCountSql, toSlot, type SlotRow } from "../rows/slot-row.js";
import { translated } from "../translate-error.js";

const text = `
SELECT s.id, s.clinician_id, s.start_time, s.end_time, s.status, s.capacity,
       ${availableCapacitySql} AS available, ${overbookedCountSql} AS overbooked
  FROM appointment_slots s
 WHERE s.id = $1`;

export async function getSlot(db: Queryable, id: string): Promise<Slot> {
  return translated(async () => {
    const { rows } = await db.query<SlotRow>({ name: "get_slot", text, values: [id] });
    const row = rows[0];
    if (!row) throw new SchedError("slot_not_found", `slot ${id} not found`);
    return toSlot(row);
  });
}
