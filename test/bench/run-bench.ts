import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { admin, dsnFor } from "./bench-database.js";
import { help, OptionError, parseArgs, type Options } from "./bench-options.js";
import { newSigning, openCallers, tokenCallers, type PickCaller } from "./bench-callers.js";
import { benchRateLimitPoints, live, repoRoot, runSched, startServers, stopChild, type Server } from "./bench-processes.js";
import { securityCost, table, type Row, type ServerConfiguration, type Shape } from "./bench-row.js";
import { pgbenchScript } from "./booking-sql.js";
import { fillPastAppointments, insertLapsedHolds } from "./bulk-appointments.js";
import { ourBookedQuery, pgbenchCell, type PgbenchScript } from "./pgbench-cell.js";
import { plainInsertThroughput, plainUpdateThroughput } from "./plain-bulk.js";
import { referenceBookedQuery, referenceScript, resetReference } from "./reference-booking.js";
import { serverCell } from "./server-cell.js";
import { soakCell, type Soak } from "./soak-cell.js";
import { verdicts, verdictTable } from "./targets.js";
import { expiryThroughput, seedThroughput, type Throughput } from "./throughput-cells.js";

/*
 * npm run bench [-- --seconds 10 --clients 1,16,50 --servers 2 --soak 5m --out bench-results.json]
 *
 * One machine, one run: a fresh database; pgbench running the project's own
 * booking statement as the baseline, and a minimal reference booking beside
 * it; `sched serve` processes in the production configuration (key, issuer,
 * audience, rate limits, APP_ENV=prod; the real Redis) and, for the spread
 * shape, open (APP_ENV=dev without a key), under the load generator of this
 * process; the spread run again over a million stored appointments; the
 * expiry worker and the seed against plain SQL of the same rows; optionally a
 * memory soak. Every target a ratio of figures of this run.
 */

const ttlMs = 600_000; // APPOINTMENT_TTL's default, 10m
const hotSlotCount = 50;
// 100 clinicians × 10 weeks × 5 days × (08:00–18:00 / 15 min = 40) = 200 000 slots.
const seedArgs = ["--clinicians", "100", "--patients", "4000", "--weeks", "10", "--slot-minutes", "15", "--day-start", "08:00", "--day-end", "18:00"];

interface Run {
  options: Options;
  root: string;
  dsn: string;
  database: string;
  workDir: string;
  db: pg.Client;
  ids: { slots: string[]; patients: string[]; hotSlots: string[] };
  scripts: Record<"spread" | "hot" | "reference", PgbenchScript>;
  callers: Record<ServerConfiguration, PickCaller>;
  rows: Row[];
  baseline: Map<string, Row>;
  /** Past appointments are loaded: cells then delete what they made instead of truncating. */
  filled: boolean;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) return void console.log(help);
  const options = parseArgs(argv);
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
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  try {
    await admin(`CREATE DATABASE ${database}`);
    created = true;
    console.error(`database ${database}; migrating and seeding ${seedArgs.join(" ")}`);
    runSched(root, ["migrate"], dsn);
    const seed = JSON.parse(runSched(root, ["seed", ...seedArgs, "--json"], dsn)) as { rows: Record<string, number> & { total: number }; seconds: number };
    console.error(`seeded ${JSON.stringify(seed.rows)} in ${seed.seconds} s`);
    db = new pg.Client({ connectionString: dsn });
    await db.connect();
    const throughputs: Throughput[] = [seedThroughput(seed)];
    console.error("a plain INSERT … SELECT of the seeded rows…");
    throughputs.push(await plainInsertThroughput(db));
    const ids = await numberIds(db);
    const signing = newSigning();
    const script = (name: string, text: string, protocol: string, bookedQuery: string): PgbenchScript => {
      const path = join(workDir, name);
      writeFileSync(path, text);
      return { path, protocol, bookedQuery };
    };
    const run: Run = {
      options, root, dsn, database, workDir, db, ids,
      scripts: {
        spread: script("book-spread.sql", pgbenchScript("bench_slots", ids.slots.length, ids.patients.length, ttlMs), "pgbench", ourBookedQuery),
        hot: script("book-hot.sql", pgbenchScript("bench_hot_slots", ids.hotSlots.length, ids.patients.length, ttlMs), "pgbench", ourBookedQuery),
        reference: script("book-reference.sql", referenceScript(ids.slots.length, ids.patients.length), "reference", referenceBookedQuery),
      },
      callers: { open: openCallers(ids.patients), production: await tokenCallers(ids.patients, signing) },
      rows: [],
      baseline: new Map(),
      filled: false,
    };

    // Both servers run from the start, and each client count's cells follow
    // one another: pgbench, the reference, then each protocol open and in
    // production. A ratio is of cells seconds apart, not minutes, so that the
    // drift of a shared machine's speed over a run stays out of it.
    const open = await startServers(root, dsn, options.servers, join(workDir, "serve"), "open");
    const servers = await startServers(root, dsn, options.servers, join(workDir, "serve"), "production", signing);
    console.error(`sched serve: open, pids ${open.map((s) => s.pid).join(", ")}; production configuration, pids ${servers.map((s) => s.pid).join(", ")}`);
    await warmUp(run, [open, servers]);
    for (const clients of options.clients) {
      await baselineCell(run, "spread", "spread", clients);
      await referenceCell(run, clients);
      for (const protocol of ["rest", "grpc"] as const) {
        await servedCell(run, open, protocol, "spread", clients);
        await servedCell(run, servers, protocol, "spread", clients);
      }
      await baselineCell(run, "hot", "hot", clients);
      for (const protocol of ["rest", "grpc"] as const) await servedCell(run, servers, protocol, "hot", clients);
    }
    for (const server of open) await stopChild(server.child);

    if (options.expiryHolds > 0) {
      await reset(run);
      console.error(`expiry worker over ${options.expiryHolds} lapsed holds, after a plain UPDATE of them (rolled back)…`);
      await insertLapsedHolds(db, options.expiryHolds);
      await db.query("VACUUM ANALYZE appointments");
      throughputs.push(await plainUpdateThroughput(db));
      throughputs.push(expiryThroughput(root, dsn, options.expiryHolds));
    }
    if (options.appointments > 0) {
      await reset(run);
      const perSlot = Math.max(1, Math.round(options.appointments / run.ids.slots.length));
      console.error(`loading ${perSlot} past appointments per slot…`);
      const fillStarted = performance.now();
      const stored = await fillPastAppointments(db, perSlot);
      run.filled = true;
      await db.query("VACUUM ANALYZE appointments, event_logs");
      console.error(`${stored} appointments stored in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s; the spread run again`);
      for (const clients of options.clients) {
        await baselineCell(run, "spread-1M", "spread", clients);
        for (const protocol of ["rest", "grpc"] as const) await servedCell(run, servers, protocol, "spread-1M", clients);
      }
    }
    let soak: Soak | undefined;
    if (options.soakSeconds > 0) {
      await reset(run);
      const clients = Math.max(...options.clients);
      console.error(`soak: spread, ${clients} clients (half REST, half gRPC) for ${options.soakSeconds} s, RSS every 10 s…`);
      soak = await soakCell(servers, run.ids.slots, run.callers.production, options.soakSeconds, clients);
    }
    for (const server of servers) await stopChild(server.child);

    const results = verdicts(run.rows, throughputs, soak);
    const machine = `${cpus().length} cores; 1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`;
    const report = {
      date: new Date().toISOString(),
      minutes: Number(((performance.now() - started) / 60_000).toFixed(1)),
      machine,
      seconds: options.seconds,
      warmUpSeconds: options.warmUpSeconds,
      serverProcesses: options.servers,
      rateLimitPoints: benchRateLimitPoints,
      seed: seed.rows,
      hotSlots: hotSlotCount,
      notes: [
        `${options.servers} sched serve process(es) per configuration, the real Redis; the load generator runs in the bench process and deals its clients to them in turn`,
        `production: APP_ENV=prod, HS256 key, AUTH_ISSUER, AUTH_AUDIENCE, RATE_LIMIT_POINTS=${benchRateLimitPoints} per 1s; half the attempts a staff token booking any patient, half one of 200 patients' own tokens; open: APP_ENV=dev without a key; both MAX_ACTIVE_HOLDS_PER_PATIENT=0`,
        "baseline: pgbench -M prepared running createHoldStatement, with $1/$2 looked up from numbered mapping tables in a prepended CTE: the lookup is part of the baseline's cost",
        "reference: pgbench -M prepared running the minimal booking (slot counter UPDATE guarded by active < capacity, appointment INSERT, event INSERT, one CTE) on a schema of its own; its ratio is its tps ÷ pgbench of our statement",
        "ratio = attempts/s of the cell ÷ pgbench tps at the same shape and client count (spread-1M against pgbench over the same million appointments)",
        "holds made by a cell are removed before the next; spread-1M keeps the million past appointments and their events",
        `before the first cell, each server and protocol ran ${options.warmUpSeconds} s of unmeasured load (spread, the largest client count)`,
      ],
      rows: run.rows,
      throughputs,
      soak,
      targets: results,
    };
    const output = resolve(process.cwd(), options.out);
    writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
    const figures = throughputs.map((t) => `${t.name}: ${t.rows.toLocaleString("en-US")} rows in ${t.seconds.toFixed(2)} s = ${Math.round(t.rowsPerSecond).toLocaleString("en-US")} rows/s`);
    const soakLine = soak ? [`soak: ${Math.round(soak.attemptsPerSecond)} attempts/s, RSS MB every ${soak.everySeconds} s: ${soak.samples.map((s) => Math.max(...s.rssMb).toFixed(0)).join(" ")}`] : [];
    process.stdout.write(`${table(run.rows)}\n\n${[...securityCost(run.rows), ...figures, ...soakLine].join("\n")}\n\n${verdictTable(results)}\n\n${machine}; ${report.minutes} min\nresults: ${output}\n`);
  } finally {
    await cleanup();
  }
}

/** Numbered copies of the ids, so that pgbench can pick them by a random integer. */
async function numberIds(db: pg.Client): Promise<Run["ids"]> {
  await db.query(`CREATE TABLE bench_slots AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM appointment_slots;
                  ALTER TABLE bench_slots ADD PRIMARY KEY (n);
                  CREATE TABLE bench_patients AS SELECT row_number() OVER (ORDER BY id)::int AS n, id FROM patients;
                  ALTER TABLE bench_patients ADD PRIMARY KEY (n);
                  CREATE TABLE bench_hot_slots AS SELECT row_number() OVER ()::int AS n, id FROM (SELECT id FROM appointment_slots ORDER BY random() LIMIT ${hotSlotCount}) h;
                  ALTER TABLE bench_hot_slots ADD PRIMARY KEY (n);`);
  await db.query("VACUUM ANALYZE");
  const ids = async (tableName: string): Promise<string[]> => (await db.query<{ id: string }>(`SELECT id FROM ${tableName} ORDER BY n`)).rows.map((r) => r.id);
  return { slots: await ids("bench_slots"), patients: await ids("bench_patients"), hotSlots: await ids("bench_hot_slots") };
}

/** Removes what the cells made (holds, and whatever they expired) and keeps the loaded past appointments. */
async function reset(run: Run): Promise<void> {
  if (!run.filled) return void (await run.db.query("TRUNCATE webhook_deliveries, event_logs, idempotency_keys, waitlist_entries, appointments"));
  await run.db.query(`DELETE FROM event_logs WHERE appointment_id IN (SELECT id FROM appointments WHERE created_at > now() - interval '1 day');
                      DELETE FROM appointments WHERE created_at > now() - interval '1 day';
                      TRUNCATE idempotency_keys`);
}

async function baselineCell(run: Run, shape: Shape, script: "spread" | "hot", clients: number): Promise<void> {
  await reset(run);
  console.error(`pgbench ${shape} ${clients} clients…`);
  const row = await pgbenchCell(run.db, shape, clients, run.scripts[script], run.database, run.options.seconds, run.workDir);
  row.loadAverage = loadavg()[0];
  run.baseline.set(`${shape}/${clients}`, row);
  run.rows.push(row);
}

/** pgbench of the minimal reference booking, on a fresh reference schema; its ratio is to pgbench of our statement. */
async function referenceCell(run: Run, clients: number): Promise<void> {
  await resetReference(run.db, run.ids.slots.length);
  console.error(`pgbench reference spread ${clients} clients…`);
  const row = await pgbenchCell(run.db, "spread", clients, run.scripts.reference, run.database, run.options.seconds, run.workDir);
  row.loadAverage = loadavg()[0];
  const ours = run.baseline.get(`spread/${clients}`);
  row.ratioToBaseline = ours ? row.attemptsPerSecond / ours.attemptsPerSecond : null;
  run.rows.push(row);
}

/*
 * A server fresh from its start runs its code in V8's interpreter and
 * baseline tiers until enough calls have optimised it; measured here, a
 * booking's CPU in the server fell from about 1.2 ms to 0.7 ms over its first
 * few thousand calls at one client. Every cell would otherwise be measured
 * against a warm PostgreSQL and the first ones against a cold server, which no
 * server in service is. The warm-up's bookings are removed before the first cell.
 */
async function warmUp(run: Run, serverSets: Server[][]): Promise<void> {
  const seconds = run.options.warmUpSeconds;
  if (seconds === 0) return;
  const clients = Math.max(...run.options.clients);
  for (const servers of serverSets) {
    for (const protocol of ["rest", "grpc"] as const) {
      console.error(`warm-up: ${protocol} ${servers[0]!.configuration} spread ${clients} clients, ${seconds} s, not measured…`);
      await serverCell(protocol, "spread", clients, servers, run.ids.slots, run.callers[servers[0]!.configuration], seconds);
    }
  }
}

async function servedCell(run: Run, servers: Server[], protocol: "rest" | "grpc", shape: Shape, clients: number): Promise<void> {
  await reset(run);
  const configuration = servers[0]!.configuration;
  console.error(`${protocol} ${configuration} ${shape} ${clients} clients…`);
  const row = await serverCell(protocol, shape, clients, servers, shape === "hot" ? run.ids.hotSlots : run.ids.slots, run.callers[configuration], run.options.seconds);
  const base = run.baseline.get(`${shape}/${clients}`);
  row.ratioToBaseline = base ? row.attemptsPerSecond / base.attemptsPerSecond : null;
  row.loadAverage = loadavg()[0];
  if (shape === "hot") row.overbookedSlots = await overbookedSlots(run.db);
  run.rows.push(row);
}

// The audit's overbooking query (src/adapters/postgres/sql/audit-invariants.ts), on its own: the other checks would read the million past rows.
async function overbookedSlots(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (
      SELECT s.id FROM appointment_slots s JOIN appointments a ON a.slot_id = s.id
       WHERE a.status = 'confirmed' OR (a.status = 'pending' AND a.expires_at > now())
       GROUP BY s.id, s.capacity HAVING count(*) > s.capacity) o`);
  return rows[0]?.n ?? 0;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof OptionError) {
      console.error(`bench: ${error.message} (--help lists the options)`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
