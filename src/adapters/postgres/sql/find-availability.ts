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

// One statement: open slots in start order from the partial index
// appointment_slots_open_by_start (or the clinician's own index), each
// counted for room as the capacity trigger counts (every appointment but
// cancelled and expired ones, holds only until they lapse), stopping as soon as the page is full. Full
// slots are passed over on the way; no total is counted, because counting
// every open slot of a large calendar would cost what the page saves.
function availabilitySql(conditions: string[]): string {
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
 LIMIT $1 OFFSET $2`;
}

function statementFor(search: AvailabilitySearch): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [search.limit, search.offset, search.from];
  const conditions: string[] = [];
  const shape: string[] = [];
  for (const filter of optionalFilters) {
    const value = filter.valueIn(search);
    if (value === undefined) continue;
    values.push(value);
    conditions.push(filter.condition(`$${values.length}`));
    shape.push(filter.key);
  }
  return { name: ["find_availability", ...shape].join("_"), text: availabilitySql(conditions), values };
}

export async function findAvailability(db: Queryable, search: AvailabilitySearch): Promise<Slot[]> {
  return translated(async () => {
    const { rows } = await db.query<SlotRow>(statementFor(search));
    return rows.map(toSlot);
  });
}
