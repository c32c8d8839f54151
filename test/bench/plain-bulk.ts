import type pg from "pg";
import type { Throughput } from "./throughput-cells.js";

/*
 * The floors of the bulk commands, measured on the same run: what PostgreSQL
 * takes to write the same rows in one plain statement per table, with no
 * client in between. `sched seed` and the expiry worker are reported as
 * ratios to them.
 */

const plainSchema = "bench_plain";
// In the order the seed writes them (slots refer to clinicians).
const seededTables = ["clinicians", "patients", "appointment_slots"] as const;

/**
 * One `INSERT … SELECT` per table of the rows `sched seed` wrote, into empty
 * copies with the same columns, defaults, checks, indexes and exclusion
 * constraint (`LIKE … INCLUDING ALL`) and the slots' foreign key.
 */
export async function plainInsertThroughput(db: pg.Client): Promise<Throughput> {
  await db.query(`DROP SCHEMA IF EXISTS ${plainSchema} CASCADE; CREATE SCHEMA ${plainSchema};
    ${seededTables.map((t) => `CREATE TABLE ${plainSchema}.${t} (LIKE public.${t} INCLUDING ALL);`).join("\n")}
    ALTER TABLE ${plainSchema}.appointment_slots ADD FOREIGN KEY (clinician_id) REFERENCES ${plainSchema}.clinicians (id);`);
  try {
    let rows = 0;
    const started = performance.now();
    for (const t of seededTables) rows += (await db.query(`INSERT INTO ${plainSchema}.${t} SELECT * FROM public.${t}`)).rowCount ?? 0;
    const seconds = (performance.now() - started) / 1000;
    return { name: "plain INSERT … SELECT", rows, seconds, rowsPerSecond: rows / seconds };
  } finally {
    await db.query(`DROP SCHEMA ${plainSchema} CASCADE`);
  }
}

/**
 * One `UPDATE` of every lapsed hold to expired, the expiry worker's
 * transition without its batches and events, rolled back so that the worker
 * then finds the same holds (VACUUM clears the dead row versions it leaves).
 */
export async function plainUpdateThroughput(db: pg.Client): Promise<Throughput> {
  await db.query("BEGIN");
  let rows = 0;
  const started = performance.now();
  try {
    rows = (await db.query("UPDATE appointments SET status = 'expired', expires_at = NULL, updated_at = now() WHERE status = 'pending' AND expires_at <= now()")).rowCount ?? 0;
  } finally {
    await db.query("ROLLBACK");
  }
  const seconds = (performance.now() - started) / 1000;
  await db.query("VACUUM ANALYZE appointments");
  return { name: "plain UPDATE", rows, seconds, rowsPerSecond: rows / seconds };
}
