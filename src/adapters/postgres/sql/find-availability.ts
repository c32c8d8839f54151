import type { Slot } from "../../../core/model/slot.js";
import type { AvailabilitySearch } from "../../../core/ports/schedule-store.js";
import type { Queryable } from "../pool.js";
import { occupiesSlotSql, toSlot, type SlotRow } from "../rows/slot-row.js";
import { translated } from "../translate-error.js";

interface OptionalFilter {
  key: string;
  valueIn(search: AvailabilitySearch): unknown;
  condition(parameter: string): string;
}

// Only the filters a search uses go into its SQL, each combination a
// statement of its own name, so that each keeps a plan that uses an index (a
// generic "$n IS NULL OR …" plan could use none).
const optionalFilters: OptionalFilter[] = [
  { key: "clinician", valueIn: (search) => search.clinicianId, condition: (p) => `s.clinician_id = ${p}::uuid` },
  {
    key: "specialty",
    valueIn: (search) => search.specialty,
    condition: (p) => `s.clinician_id IN (SELECT c.id FROM clinicians c WHERE c.specialty = ${p}::text)`,
  },
  { key: "to", valueIn: (search) => search.to, condition: (p) => `s.start_time < ${p}::timestamptz` },
];

// Open slots in start order with room left, each counted as the capacity
// trigger counts (every appointment but cancelled and expired ones, holds
// only until they lapse), stopping as soon as `limit` are found. Full slots
// are passed over on the way; no total is counted, because counting every
// open slot of a large calendar would cost what the page saves.
function slotWalk(conditions: string[], limit: string): string {
  return `
SELECT s.id, s.clinician_id, s.start_time, s.end_time, s.status, s.capacity, room.available, room.overbooked
  FROM appointment_slots s
 CROSS JOIN LATERAL (
   SELECT s.capacity - count(*)::int AS available, count(*) FILTER (WHERE o.overbooked)::int AS overbooked FROM appointments o
    WHERE o.slot_id = s.id
      AND ${occupiesSlotSql("o")}
 ) room
 WHERE s.status = 'open'
   AND s.start_time >= $3::timestamptz
   ${conditions.map((condition) => `AND ${condition}`).join("\n   ")}
   AND room.available > 0
 ORDER BY s.start_time, s.clinician_id
 LIMIT ${limit}`;
}

// One statement either way. Without a specialty it walks the partial index
// appointment_slots_open_by_start (or the clinician's own index). With one,
// it walks each clinician of the specialty along appointment_slots_by_clinician
// for at most a page's worth and merges them: the work is the specialty's
// clinicians times a page, not every other specialty's slots (and full slots)
// that come first in time.
function statementFor(search: AvailabilitySearch): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [search.limit, search.offset, search.from];
  const conditions: string[] = [];
  const shape: string[] = [];
  const bySpecialty = search.specialty !== undefined && search.clinicianId === undefined;
  for (const filter of optionalFilters) {
    const value = filter.valueIn(search);
    if (value === undefined || (bySpecialty && filter.key === "specialty")) continue;
    values.push(value);
    conditions.push(filter.condition(`$${values.length}`));
    shape.push(filter.key);
  }
  if (!bySpecialty) {
    return { name: ["find_availability", ...shape].join("_"), text: slotWalk(conditions, "$1 OFFSET $2"), values };
  }
  values.push(search.specialty);
  const text = `
SELECT found.*
  FROM clinicians c
 CROSS JOIN LATERAL (${slotWalk([...conditions, "s.clinician_id = c.id"], "$1::int + $2::int")}) found
 WHERE c.specialty = $${values.length}::text
 ORDER BY found.start_time, found.clinician_id
 LIMIT $1 OFFSET $2`;
  return { name: ["find_availability_each_clinician_of_specialty", ...shape].join("_"), text, values };
}

export async function findAvailability(db: Queryable, search: AvailabilitySearch): Promise<Slot[]> {
  return translated(async () => {
    const { rows } = await db.query<SlotRow>(statementFor(search));
    return rows.map(toSlot);
  });
}
