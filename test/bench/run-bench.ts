import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { pgbenchScript } from "./booking-sql.js";
import { grpcClients, percentile, restClients, runCell, type Clients } from "./load.js";

/*
 * npm run bench [-- --seconds 10 --clients 1,16,50 --out bench-results.json]
 *
 * One machine, one run: a fresh database, one `sched serve` (APP_ENV=prod,
 * the real Redis), the load generator in this process, and pgbench running
 * the project's own booking statement as the baseline.
 */

const adminDsn = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ttlMs = 600_000; // APPOINTMENT_TTL's default, 10m
const hotSlotCount = 50;
// 100 clinicians × 10 weeks × 5 days × (08:00–18:00 / 15 min = 40) = 200 000 slots.
const seedArgs = ["--clinicians", "100", "--patients", "4000", "--weeks", "10", "--slot-minutes", "15", "--day-start", "08:00", "--day-end", "18:00"];
const serverProcesses = 1; // 2 cores: one for `sched serve`, the other for the generator (and PostgreSQL shares both)

interface Options {
  seconds: number;
  clients: number[];
  out: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { seconds: 10, clients: [1, 16, 50], out: "bench-results.json" };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--seconds") options.seconds = Number(value);
    else if (flag === "--clients") options.clients = value.split(",").map(Number);
    else if (flag === "--out") options.out = value;
    else throw new Error(`unknown option ${flag} (known: --seconds, --clients, --out)`);
    i += 1;
  }
  if (!(options.seconds > 0) || options.clients.some((c) => !Number.isInteger(c) || c < 1)) throw new Error("--seconds must be > 0 and --clients positive integers");
  return options;
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "bin/sched.js"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root (bin/sched.js)");
    dir = up;
  }
  return dir;
}

function dsnFor(database: string): string {
  const url = new URL(adminDsn);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminDsn });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function runSched(root: string, args: string[], dsn: string): string {
  const result = spawnSync(process.execPath, [join(root, "bin/sched.js"), ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "", POSTGRES_DSN: dsn },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`sched ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

interface Server {
  pid: number;
  port: number;
  child: ChildProcess;
}

async function startServer(root: string, dsn: string, logPath: string): Promise<Server> {
  const log = openSync(logPath, "w");
  const child = spawn(process.execPath, [join(root, "bin/sched.js"), "serve", "--host", "127.0.0.1"], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "", APP_ENV: "prod", HTTP_PORT: "0", POSTGRES_DSN: dsn, REDIS_ADDR: process.env.BENCH_REDIS_ADDR ?? "127.0.0.1:6379" },
    stdio: ["ignore", log, log],
  });
  live.add(child);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sched serve exited (${child.exitCode}): ${readFileSync(logPath, "utf8")}`);
    for (const line of readFileSync(logPath, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      const parsed = JSON.parse(line) as { port?: unknown; url?: unknown };
      if (typeof parsed.port === "number" && typeof parsed.url === "string") return { pid: child.pid!, port: parsed.port, child };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("sched serve did not start serving within 20 s");
}

const live = new Set<ChildProcess>();

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return void live.delete(child);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

interface Row {
  protocol: string;
  shape: "spread" | "hot";
  clients: number;
  attemptsPerSecond: number;
  bookedPerSecond: number | null;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  attempts: number;
  booked: number | null;
  conflicts: number | null;
  errors: number;
  reasons?: Record<string, number>;
  serverRssMb?: { max: number; end: number };
  abortedClients?: number;
  ratioToBaseline: number | null;
}

async function serverCell(
  protocol: "rest" | "grpc",
  shape: "spread" | "hot",
  clients: number,
  server: Server,
  slots: string[],
  patients: string[],
  seconds: number,
): Promise<Row> {
  const pool: Clients = protocol === "rest" ? restClients(server.port, clients) : grpcClients(server.port, clients);
  let rssMax = rssMb(server.pid);
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(server.pid))), 200);
  try {
    const result = await runCell(pool, slots, patients, seconds);
    const sorted = Float64Array.from(result.latenciesMs).sort();
    const list = Array.from(sorted);
    return {
      protocol,
      shape,
      clients,
      attemptsPerSecond: result.attempts / result.seconds,
      bookedPerSecond: result.booked / result.seconds,
      p50Ms: percentile(list, 50),
      p95Ms: percentile(list, 95),
      p99Ms: percentile(list, 99),
      attempts: result.attempts,
      booked: result.booked,
      conflicts: result.conflicts,
      errors: result.errors,
      reasons: result.reasons,
      serverRssMb: { max: rssMax, end: rssMb(server.pid) },
      ratioToBaseline: null,
    };
  } finally {
    clearInterval(sampler);
    pool.close();
  }
}

async function pgbenchCell(db: pg.Client, shape: "spread" | "hot", clients: number, scriptPath: string, database: string, secondsAsked: number, workDir: string): Promise<Row> {
  const url = new URL(adminDsn);
  const logDir = mkdtempSync(join(workDir, `pgbench-${shape}-${clients}-`));
  const args = [
    "-h", url.hostname, "-p", url.port || "5432", "-U", decodeURIComponent(url.username || "postgres"),
    "-n", "-M", "prepared", "-f", scriptPath, "-c", String(clients), "-j", String(clients), "-T", String(Math.max(1, Math.round(secondsAsked))),
    "-l", "--log-prefix", join(logDir, "tx"), database,
  ];
  const child = spawn("pgbench", args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) } });
  live.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  live.delete(child);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (tps === null || tps[1] === undefined) throw new Error(`pgbench (${shape}, ${clients}) exited ${code}: ${stderr}${stdout}`);
  const failed = /number of failed transactions: (\d+)/.exec(stdout);
  const aborted = (stderr.match(/client \d+ aborted/g) ?? []).length;
  const latencies: number[] = [];
  for (const file of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, file), "utf8").split("\n")) {
      const micros = Number(line.split(" ")[2]);
      if (line !== "" && Number.isFinite(micros)) latencies.push(micros / 1000);
    }
  }
  latencies.sort((a, b) => a - b);
  // A refusal is a row of the statement, not an error: the holds left behind are the bookings.
  const { rows } = await db.query<{ booked: number }>("SELECT count(*)::int AS booked FROM appointments");
  const booked = rows[0]?.booked ?? 0;
  const attempts = latencies.length;
  const seconds = Math.max(1, Math.round(secondsAsked));
  return {
    protocol: "pgbench",
    shape,
    clients,
    attemptsPerSecond: Number(tps[1]),
    bookedPerSecond: booked / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
    attempts,
    booked,
    conflicts: attempts - booked - Number(failed?.[1] ?? 0),
    errors: Number(failed?.[1] ?? 0) + aborted,
    abortedClients: aborted,
    ratioToBaseline: 1,
  };
}

function table(rows: Row[]): string {
  const header = ["protocol", "shape", "clients", "attempts/s", "booked/s", "p50 ms", "p95 ms", "p99 ms", "conflicts", "errors", "rss MB", "x baseline"];
  const f = (n: number | null | undefined, digits = 1): string => (n === null || n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits));
  const body = rows.map((r) => [
    r.protocol, r.shape, String(r.clients), f(r.attemptsPerSecond), f(r.bookedPerSecond), f(r.p50Ms, 2), f(r.p95Ms, 2), f(r.p99Ms, 2),
    r.conflicts === null ? "-" : String(r.conflicts), r.abortedClients ? `${r.errors} (${r.abortedClients} aborted)` : String(r.errors),
    f(r.serverRssMb?.max), f(r.ratioToBaseline, 3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [header, ...body].map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}

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
        `one sched serve process (APP_ENV=prod, real Redis) on a ${(await import("node:os")).cpus().length}-core machine; the load generator runs in the bench process`,
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
