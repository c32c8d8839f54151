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
  overbooked: number;
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
    overbooked: row.overbooked,
  };
}

/**
 * Whether the appointment aliased `alias` occupies its slot: every status but
 * cancelled and expired does (the visit's outcomes are history, not free
 * places), a pending hold only until it lapses. Counting by time is what
 * makes a lapsed hold free the instant it lapses. This is the one place
 * where the service's SQL says what frees a place; the schema's guards
 * (migrations/0008_visit-outcomes-moves-and-overbooking.sql) say the same.
 */
export function occupiesSlotSql(alias: string): string {
  return `${notHistorySql(alias)} AND ${unlapsedSql(alias)}`;
}

/**
 * The status half of occupiesSlotSql: the rows that the partial indexes on
 * slot_id cover (appointments_one_active_per_patient_and_slot), so that a
 * scan of a slot's places never reads its history.
 */
export function notHistorySql(alias: string): string {
  return `${alias}.status NOT IN ('cancelled', 'expired')`;
}

/** The clock half of occupiesSlotSql: anything but a pending hold whose expires_at has passed. */
export function unlapsedSql(alias: string): string {
  return `(${alias}.status <> 'pending' OR ${alias}.expires_at > now())`;
}

/** The SQL expression for a slot's free capacity, for a slot aliased `s`. */
export const availableCapacitySql = `s.capacity - (
  SELECT count(*)::int FROM appointments o
   WHERE o.slot_id = s.id AND ${occupiesSlotSql("o")}
)`;

/** The SQL expression for how many of a slot's occupants are overbooked, for a slot aliased `s`. */
export const overbookedCountSql = `(
  SELECT count(*)::int FROM appointments o
   WHERE o.slot_id = s.id AND o.overbooked AND ${occupiesSlotSql("o")}
)`;
