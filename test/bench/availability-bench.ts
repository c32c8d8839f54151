import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../../src/adapters/postgres/migrate.js";
import { findAvailability } from "../../src/adapters/postgres/sql/find-availability.js";
import type { AvailabilitySearch } from "../../src/core/ports/schedule-store.js";
import { admin, dsnFor } from "./bench-database.js";

/*
 * FindAvailability's statement over a large calendar: p50 and p99 of each
 * kind of search, one at a time on one connection, so that the figures are
 * the statement's own latency.
 *
 *   npm run build && tsc -p test/bench/tsconfig.json && node dist-bench/test/bench/availability-bench.js [--slots 1000000] [--queries 1000]
 *
 * The calendar: 500 clinicians in 20 specialties, each with back-to-back
 * 30-minute slots (16 a day, every day) from tomorrow, 1 000 000 in all; every
 * slot of the first day is booked full, so "first available" has to pass over
 * 8 000 full slots first, as it would in a busy clinic.
 */

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const slotCount = argument("slots", 1_000_000);
const queries = argument("queries", 1000);
const clinicians = 500;
const specialties = 20;
const slotsPerDay = 16;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function fill(pool: pg.Pool): Promise<void> {
  await pool.query(
    `INSERT INTO clinicians (name, specialty) SELECT 'Dr ' || n, 'specialty-' || (n % $2) FROM generate_series(1, $1) n`,
    [clinicians, specialties],
  );
  await pool.query(`INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, $1) n`, [clinicians * slotsPerDay]);
  // Day d's slot k of each clinician: 08:00 UTC + 30 min × k, from tomorrow.
  await pool.query(
    `INSERT INTO appointment_slots (clinician_id, start_time, end_time)
     SELECT c.id, t, t + interval '30 minutes'
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM clinicians) c,
            generate_series(0, $1 - 1) i,
            LATERAL (SELECT date_trunc('day', now()) + interval '1 day' + (i / $2) * interval '1 day'
                            + interval '8 hours' + (i % $2) * interval '30 minutes' AS t) slot`,
    [Math.ceil(slotCount / clinicians), slotsPerDay],
  );
  await pool.query(
    `INSERT INTO appointments (slot_id, patient_id, status)
     SELECT s.id, p.id, 'confirmed'
       FROM (SELECT id, row_number() OVER (ORDER BY start_time, id) AS n FROM appointment_slots
              WHERE start_time < date_trunc('day', now()) + interval '2 days') s
       JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM patients) p USING (n)`,
  );
  await pool.query("VACUUM ANALYZE");
}

async function main(): Promise<void> {
  const database = `sched_bench_availability_${randomBytes(4).toString("hex")}`;
  await admin(`CREATE DATABASE ${database}`);
  const pool = new pg.Pool({ connectionString: dsnFor(database), max: 1 });
  try {
    await migrate(dsnFor(database));
    const started = performance.now();
    await fill(pool);
    const { rows } = await pool.query<{ slots: number; booked: number }>(
      `SELECT (SELECT count(*)::int FROM appointment_slots) AS slots, (SELECT count(*)::int FROM appointments) AS booked`,
    );
    console.log(`${rows[0]!.slots} slots, ${rows[0]!.booked} booked full, filled in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const { rows: ids } = await pool.query<{ id: string }>(`SELECT id FROM clinicians`);
    if (process.argv.includes("--explain")) {
      const { rows: plan } = await pool.query(
        `EXPLAIN (ANALYZE, BUFFERS) SELECT s.id FROM appointment_slots s
          CROSS JOIN LATERAL (SELECT s.capacity - count(*)::int AS available FROM appointments o
             WHERE o.slot_id = s.id AND o.status IN ('pending', 'confirmed') AND (o.status = 'confirmed' OR o.expires_at > now())) room
          WHERE s.status = 'open' AND s.start_time >= now() AND s.clinician_id IN (SELECT c.id FROM clinicians c WHERE c.specialty = 'specialty-3')
            AND room.available > 0 ORDER BY s.start_time, s.clinician_id LIMIT 20`,
      );
      console.log(plan.map((row: Record<string, string>) => row["QUERY PLAN"]).join("\n"));
    }
    const kinds: Array<{ name: string; search: () => AvailabilitySearch }> = [
      { name: "first available, a specialty (limit=1)", search: () => ({ specialty: `specialty-${Math.floor(Math.random() * specialties)}`, from: new Date(), limit: 1, offset: 0 }) },
      { name: "a page of a specialty (limit=20)", search: () => ({ specialty: `specialty-${Math.floor(Math.random() * specialties)}`, from: new Date(), limit: 20, offset: 0 }) },
      { name: "any clinician (limit=20)", search: () => ({ from: new Date(), limit: 20, offset: 0 }) },
      { name: "one clinician (limit=20)", search: () => ({ clinicianId: ids[Math.floor(Math.random() * ids.length)]!.id, from: new Date(), limit: 20, offset: 0 }) },
      {
        name: "a specialty, a week ahead (limit=20)",
        search: () => ({ specialty: `specialty-${Math.floor(Math.random() * specialties)}`, from: new Date(Date.now() + 7 * 86_400_000), limit: 20, offset: 0 }),
      },
    ];
    console.log(`\n${"search".padEnd(40)}  ${"p50 ms".padStart(7)}  ${"p99 ms".padStart(7)}  ${"found".padStart(5)}`);
    for (const kind of kinds) {
      for (let i = 0; i < 20; i++) await findAvailability(pool, kind.search()); // warm the plan and the cache
      const times: number[] = [];
      let found = 0;
      for (let i = 0; i < queries; i++) {
        const t0 = performance.now();
        found += (await findAvailability(pool, kind.search())).length;
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      console.log(
        `${kind.name.padEnd(40)}  ${percentile(times, 50).toFixed(2).padStart(7)}  ${percentile(times, 99).toFixed(2).padStart(7)}  ${String(Math.round(found / queries)).padStart(5)}`,
      );
    }
  } finally {
    await pool.end();
    await admin(`DROP DATABASE ${database}`);
  }
}

await main();
