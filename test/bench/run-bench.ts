import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { admin, dsnFor } from "./bench-database.js";
import { parseArgs } from "./bench-options.js";
import { live, repoRoot, runSched, startServer, stopChild } from "./bench-processes.js";
import { table, type Row } from "./bench-row.js";
import { pgbenchScript } from "./booking-sql.js";
import { pgbenchCell } from "./pgbench-cell.js";
import { serverCell } from "./server-cell.js";

/*
 * npm run bench [-- --seconds 10 --clients 1,16,50 --out bench-results.json]
 *
 * One machine, one run: a fresh database, one `sched serve` (APP_ENV=dev, open,
 * the real Redis), the load generator in this process, and pgbench running
 * the project's own booking statement as the baseline.
 */

const ttlMs = 600_000; // APPOINTMENT_TTL's default, 10m
const hotSlotCount = 50;
// 100 clinicians × 10 weeks × 5 days × (08:00–18:00 / 15 min = 40) = 200 000 slots.
const seedArgs = ["--clinicians", "100", "--patients", "4000", "--weeks", "10", "--slot-minutes", "15", "--day-start", "08:00", "--day-end", "18:00"];
const serverProcesses = 1; // 2 cores: one for `sched serve`, the other for the generator (and PostgreSQL shares both)

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  const workDir = mkdtempSync(join(tmpdir(), "sched-bench-"));
  const database = `sched_bench_${randomBytes(4).toString("hex")}`;
  const dsn = dsnFor(database);
  let created = false;
  let db: pg.Client | undefined;
  const cleanup = async (): Promise<void> => {
    for (const child of [...live]) await stopChild(child);
    await db?.end().catch(() => {});
    if (created) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((e: unknown) => console.error(`could not drop ${database}:`, e));
    rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await admin(`CREATE DATABASE ${database}`);
    created = true;
    console.error(`database ${database}; migrating and seeding ${seedArgs.join(" ")}`);
    runSched(root, ["migrate"], dsn);
    const seed = JSON.parse(runSched(root, ["seed", ...seedArgs, "--json"], dsn)) as { rows: Record<string, number>; seconds: number };
    console.error(`seeded ${JSON.stringify(seed.rows)} in ${seed.seconds} s`);

    db = new pg.Client({ connectionString: dsn });
    await db.connect();
    await db.query(`CREATE TABLE bench_slots AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM appointment_slots;
                    ALTER TABLE bench_slots ADD PRIMARY KEY (n);
                    CREATE TABLE bench_patients AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM patients;
                    ALTER TABLE bench_patients ADD PRIMARY KEY (n);
                    CREATE TABLE bench_hot_slots AS SELECT row_number() OVER ()::int AS n, id FROM (SELECT id FROM appointment_slots ORDER BY random() LIMIT ${hotSlotCount}) h;
                    ALTER TABLE bench_hot_slots ADD PRIMARY KEY (n);
`);
    await db.query("VACUUM ANALYZE");
    const ids = async (tableName: string): Promise<string[]> => (await db!.query<{ id: string }>(`SELECT id FROM ${tableName} ORDER BY n`)).rows.map((r) => r.id);
    const slots = await ids("bench_slots");
    const patients = await ids("bench_patients");
    const hotSlots = await ids("bench_hot_slots");
    const reset = async (): Promise<void> => {
      await db!.query("TRUNCATE event_logs, idempotency_keys, appointments");
    };

    const scripts = {
      spread: join(workDir, "book-spread.sql"),
      hot: join(workDir, "book-hot.sql"),
    };
    writeFileSync(scripts.spread, pgbenchScript("bench_slots", slots.length, patients.length, ttlMs));
    writeFileSync(scripts.hot, pgbenchScript("bench_hot_slots", hotSlots.length, patients.length, ttlMs));

    const rows: Row[] = [];
    const shapes = ["spread", "hot"] as const;
    const baseline = new Map<string, Row>();
    for (const shape of shapes) {
      for (const clients of options.clients) {
        await reset();
        console.error(`pgbench ${shape} ${clients} clients…`);
        const row = await pgbenchCell(db, shape, clients, scripts[shape], database, options.seconds, workDir);
        baseline.set(`${shape}/${clients}`, row);
        rows.push(row);
      }
    }

    const server = await startServer(root, dsn, join(workDir, "serve.log"));
    console.error(`sched serve pid ${server.pid} on port ${server.port} (${serverProcesses} process)`);
    for (const protocol of ["rest", "grpc"] as const) {
      for (const shape of shapes) {
        for (const clients of options.clients) {
          await reset();
          console.error(`${protocol} ${shape} ${clients} clients…`);
          const row = await serverCell(protocol, shape, clients, server, shape === "hot" ? hotSlots : slots, patients, options.seconds);
          const base = baseline.get(`${shape}/${clients}`);
          row.ratioToBaseline = base ? row.attemptsPerSecond / base.attemptsPerSecond : null;
          rows.push(row);
        }
      }
    }
    await stopChild(server.child);

    const output = resolve(process.cwd(), options.out);
    const report = {
      date: new Date().toISOString(),
      seconds: options.seconds,
      serverProcesses,
      seed: seed.rows,
      hotSlots: hotSlotCount,
      notes: [
        `one sched serve process (APP_ENV=dev, open, real Redis) on a ${(await import("node:os")).cpus().length}-core machine; the load generator runs in the bench process`,
        "baseline: pgbench -M prepared running the booking statement read out of dist/src/adapters/postgres/sql/create-hold.js (temporary until it is exported), with $1/$2 looked up from numbered mapping tables in a prepended CTE: the lookup is part of the baseline's cost",
        "ratio = attempts/s of the cell ÷ pgbench tps at the same shape and client count; pgbench's booked = holds in appointments after the cell, its conflicts = logged transactions − booked − failed (refusals are rows of the statement, not errors)",
        "pgbench aborts a client on any SQL error (e.g. the capacity trigger's check_violation on a hot slot); aborted clients are counted in errors",
        "appointments and event_logs are truncated before every cell",
      ],
      rows,
    };
    writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${table(rows)}\n\nresults: ${output}\n`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
