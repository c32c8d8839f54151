import { createHoldStatement } from "../../src/adapters/postgres/sql/create-hold.js";

/**
 * The booking statement as a pgbench script. The uuids are looked up from
 * numbered mapping tables in a CTE prepended to the statement ($1 and $2
 * become scalar subqueries over it; $3 becomes the hold TTL in ms; $4 and $5,
 * the actor, become a service caller named "bench"; $6, the patient's hold
 * cap, becomes 0 as on the bench's servers; $7 and $8, an overbooking's
 * reason and limit, become none and 0), so the lookup is part of
 * the measured cost.
 */
export function pgbenchScript(slotTable: string, slotCount: number, patientCount: number, ttlMs: number): string {
  const statement = createHoldStatement;
  if (!/^\s*WITH \w+ AS \(/.test(statement)) throw new Error("the booking statement no longer starts with a CTE");
  if (/;/.test(statement)) throw new Error("the booking statement contains a semicolon; pgbench would split it");
  const body = statement
    .trim()
    .replace(/\$1(?!\d)/g, "(SELECT slot_id FROM bench_ids)")
    .replace(/\$2(?!\d)/g, "(SELECT patient_id FROM bench_ids)")
    .replace(/\$3(?!\d)/g, String(ttlMs))
    .replace(/\$4(?!\d)/g, "'bench'")
    .replace(/\$5(?!\d)/g, "'service'")
    .replace(/\$6(?!\d)/g, "0")
    .replace(/\$7(?!\d)/g, "NULL")
    .replace(/\$8(?!\d)/g, "0")
    .replace(
      /^WITH /,
      `WITH bench_ids AS MATERIALIZED (\n  SELECT s.id AS slot_id, p.id AS patient_id\n    FROM ${slotTable} s, bench_patients p\n   WHERE s.n = :sn AND p.n = :pn\n), `,
    );
  return `\\set sn random(1, ${slotCount})\n\\set pn random(1, ${patientCount})\n${body};\n`;
}
