import type { Slot, SlotStatus } from "../../../core/model/slot.js";

/**
 * A slot as the queries select it. `available` is computed by the query
 * (capacity minus confirmed appointments and unexpired holds), because it
 * depends on the clock and not on any stored column.
 */
export interface SlotRow {
  id: string;
  clinician_id: string;
  start_time: Date;
  end_time: Date;
  status: SlotStatus;
  capacity: number;
  available: number;
}

export function toSlot(row: SlotRow): Slot {
  return {
    id: row.id,
    clinicianId: row.clinician_id,
    startTime: row.start_time,
    endTime: row.end_time,
    status: row.status,
    capacity: row.capacity,
    available: Math.max(0, row.available),
  };
}

/**
 * The SQL expression for a slot's free capacity, for a slot aliased `s`.
 * Counting by time is what makes a lapsed hold free the instant it lapses.
 */
export const availableCapacitySql = `s.capacity - (
  SELECT count(*)::int FROM appointments o
   WHERE o.slot_id = s.id
     AND o.status IN ('pending', 'confirmed')
     AND (o.status = 'confirmed' OR o.expires_at > now())
)`;
