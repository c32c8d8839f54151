import type { Queryable } from "../pool.js";
import { availableCapacitySql } from "../rows/slot-row.js";

export interface SimulationIds {
  patientIds: string[];
  slotIds: string[];
}

// The simulation books real rows: the newest patients (those of the latest
// seed) and the soonest open slots that have not started yet and still have
// room, so that a second run does not pick the slots the first one filled.
const text = `
SELECT coalesce((SELECT array_agg(id) FROM (
          SELECT id FROM patients ORDER BY created_at DESC, id LIMIT $1) AS newest), '{}') AS patient_ids,
       coalesce((SELECT array_agg(id) FROM (
          SELECT s.id FROM appointment_slots s
           WHERE s.status = 'open' AND s.start_time > now() AND ${availableCapacitySql} > 0
           ORDER BY s.start_time, s.id LIMIT $2) AS soonest), '{}') AS slot_ids`;

export async function loadSimulationIds(db: Queryable, limits: { patients: number; slots: number }): Promise<SimulationIds> {
  const { rows } = await db.query<{ patient_ids: string[]; slot_ids: string[] }>({
    name: "load_simulation_ids",
    text,
    values: [limits.patients, limits.slots],
  });
  return { patientIds: rows[0]?.patient_ids ?? [], slotIds: rows[0]?.slot_ids ?? [] };
}
