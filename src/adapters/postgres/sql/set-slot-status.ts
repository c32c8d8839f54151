import { SchedError } from "../../../core/errors.js";
import type { Slot, SlotStatus } from "../../../core/model/slot.js";
import type { Queryable } from "../pool.js";
import { availableCapacitySql, overbookedCountSql, toSlot, type SlotRow } from "../rows/slot-row.js";
import { translated } from "../translate-error.js";

// The outer SELECT reads the slot as it was before the update, so one round
// trip tells an unknown slot (no row) from a deleted one (a row that the
// update skipped).
const text = `
WITH updated AS (
  UPDATE appointment_slots s
     SET status = $2::slot_status, updated_at = now()
   WHERE s.id = $1 AND s.status <> 'deleted'
  RETURNING s.id, s.clinician_id, s.start_time, s.end_time, s.status, s.capacity,
            ${availableCapacitySql} AS available, ${overbookedCountSql} AS overbooked
)
SELECT updated.*
  FROM appointment_slots existing
  LEFT JOIN updated ON updated.id = existing.id
 WHERE existing.id = $1`;

type StatusChangeRow = SlotRow | { id: null };

export async function setSlotStatus(db: Queryable, id: string, status: Exclude<SlotStatus, "deleted">): Promise<Slot> {
  return translated(async () => {
    const { rows } = await db.query<StatusChangeRow>({ name: "set_slot_status", text, values: [id, status] });
    const row = rows[0];
    if (!row) throw new SchedError("slot_not_found", `slot ${id} not found`);
    if (row.id === null) {
      throw new SchedError("invalid_status_transition", `slot ${id} is deleted and cannot become ${status}`);
    }
    return toSlot(row);
  });
}
