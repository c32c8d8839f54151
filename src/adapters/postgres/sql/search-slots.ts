import type { SlotPage, SlotSearch } from "../../../core/model/slot.js";
import type { Queryable } from "../pool.js";
import { availableCapacitySql, overbookedCountSql, toSlot, type SlotRow } from "../rows/slot-row.js";
import { translated } from "../translate-error.js";

interface OptionalFilter {
  key: string;
  valueIn(search: SlotSearch): unknown;
  condition(parameter: string): string;
}

// Only the filters a search uses go into its SQL, and each combination is a
// statement of its own name: a single statement with "$n IS NULL OR …" would
// settle on a generic plan that can use no index.
const optionalFilters: OptionalFilter[] = [
  { key: "clinician", valueIn: (search) => search.clinicianId, condition: (p) => `s.clinician_id = ${p}::uuid` },
  {
    key: "specialty",
    valueIn: (search) => search.specialty,
    condition: (p) => `s.clinician_id IN (SELECT c.id FROM clinicians c WHERE c.specialty = ${p}::text)`,
  },
  { key: "from", valueIn: (search) => search.from, condition: (p) => `s.start_time >= ${p}::timestamptz` },
  { key: "to", valueIn: (search) => search.to, condition: (p) => `s.start_time < ${p}::timestamptz` },
];

const availableCondition = `s.status = 'open' AND ${availableCapacitySql} > 0`;

// The total rides on a row of its own that the page is left-joined to, so a
// page past the end still reports how many slots match.
function searchSql(conditions: string[]): string {
  return `
WITH matching AS NOT MATERIALIZED (
  SELECT s.id, s.clinician_id, s.start_time, s.end_time, s.status, s.capacity
    FROM appointment_slots s
   WHERE ${conditions.join("\n     AND ")}
)
SELECT total.total, page.*
  FROM (SELECT count(*)::int AS total FROM matching) total
  LEFT JOIN LATERAL (
    SELECT s.*, ${availableCapacitySql} AS available, ${overbookedCountSql} AS overbooked
      FROM matching s
     ORDER BY s.start_time, s.id
     LIMIT $1 OFFSET $2
  ) page ON true
 ORDER BY page.start_time, page.id`;
}

function statementFor(search: SlotSearch): { name: string; text: string; values: unknown[] } {
  const conditions = ["s.status <> 'deleted'"];
  const values: unknown[] = [search.limit, search.offset];
  const shape: string[] = [];
  for (const filter of optionalFilters) {
    const value = filter.valueIn(search);
    if (value === undefined) continue;
    values.push(value);
    conditions.push(filter.condition(`$${values.length}`));
    shape.push(filter.key);
  }
  if (search.availableOnly) {
    conditions.push(availableCondition);
    shape.push("available");
  }
  return { name: ["search_slots", ...shape].join("_"), text: searchSql(conditions), values };
}

type SearchRow = { total: number } & (SlotRow | { id: null });

export async function searchSlots(db: Queryable, search: SlotSearch): Promise<SlotPage> {
  return translated(async () => {
    const { rows } = await db.query<SearchRow>(statementFor(search));
    return {
      slots: rows.flatMap((row) => (row.id === null ? [] : [toSlot(row)])),
      total: rows[0]?.total ?? 0,
    };
  });
}
