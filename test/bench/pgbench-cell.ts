import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { adminDsn } from "./bench-database.js";
import { live } from "./bench-processes.js";
import { perAttempt, startCpuMeter, type CpuSpent } from "./cpu-meter.js";
import type { Row, Shape } from "./bench-row.js";
import { percentile } from "./load.js";

/**
 * The PostgreSQL server is shared (max_connections 100 here): when other
 * users hold most connections pgbench cannot open its 50, so the cell waits
 * and tries again rather than losing the whole run.
 */
export async function pgbenchCell(...args: Parameters<typeof pgbenchOnce>): Promise<Row> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await pgbenchOnce(...args);
    } catch (error) {
      if (attempt === 5 || !String(error).includes("too many clients")) throw error;
      console.error(`pgbench: the server has no connections to spare; trying again in 10 s (${attempt} of 4)`);
      await new Promise((r) => setTimeout(r, 10_000));
    }
  }
}

/** What a pgbench cell runs: our booking statement by default, or the minimal reference booking. */
export interface PgbenchScript {
  path: string;
  /** The row's protocol column: pgbench (our statement) or reference. */
  protocol: string;
  /** Counts the bookings the cell made (one row, column `booked`). */
  bookedQuery: string;
}

/** Bookings of our statement: the holds a cell leaves behind (reset empties them between cells). */
export const ourBookedQuery = "SELECT count(*)::int AS booked FROM appointments WHERE status = 'pending'";

/** pgbench running a booking statement: the storage layer's limit, the baseline of every ratio. */
async function pgbenchOnce(db: pg.Client, shape: Shape, clients: number, script: PgbenchScript, database: string, secondsAsked: number, workDir: string): Promise<Row> {
  const url = new URL(adminDsn);
  const logDir = mkdtempSync(join(workDir, `${script.protocol}-${shape}-${clients}-`));
  const args = [
    "-h", url.hostname, "-p", url.port || "5432", "-U", decodeURIComponent(url.username || "postgres"),
    "-n", "-M", "prepared", "-f", script.path, "-c", String(clients), "-j", String(clients), "-T", String(Math.max(1, Math.round(secondsAsked))),
    "-l", "--log-prefix", join(logDir, "tx"), database,
  ];
  const child = spawn("pgbench", args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) } });
  live.add(child);
  const cpu = meterWindow(child.pid!, Math.max(1, Math.round(secondsAsked)));
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  live.delete(child);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (tps === null || tps[1] === undefined) throw new Error(`pgbench ${script.protocol} (${shape}, ${clients}) exited ${code}: ${stderr}${stdout}`);
  const failed = /number of failed transactions: (\d+)/.exec(stdout);
  const aborted = (stderr.match(/client \d+ aborted/g) ?? []).length;
  const latencies: number[] = [];
  let attemptsInWindow = 0;
  for (const file of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, file), "utf8").split("\n")) {
      // client, transaction, latency µs, script, end time in s and µs
      const fields = line.split(" ");
      const micros = Number(fields[2]);
      if (line === "" || !Number.isFinite(micros)) continue;
      latencies.push(micros / 1000);
      const endedMs = Number(fields[4]) * 1000 + Number(fields[5]) / 1000;
      if (cpu.spent !== undefined && endedMs >= cpu.fromMs && endedMs <= cpu.toMs) attemptsInWindow += 1;
    }
  }
  latencies.sort((a, b) => a - b);
  // A refusal is a row of the statement, not an error: the holds left behind are the bookings.
  const { rows } = await db.query<{ booked: number }>(script.bookedQuery);
  const booked = rows[0]?.booked ?? 0;
  const attempts = latencies.length;
  const seconds = Math.max(1, Math.round(secondsAsked));
  return {
    protocol: script.protocol,
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
    ...(cpu.spent === undefined ? {} : { cpuMsPerAttempt: perAttempt(cpu.spent, attemptsInWindow) }),
    ratioToBaseline: 1,
  };
}

/**
 * pgbench's backends exit with it, and their CPU with them: the meter reads
 * PostgreSQL and pgbench over a window inside the run (from its second second
 * to half a second before its end), and the attempts are counted in the same
 * window from pgbench's log. Runs shorter than 3 s are not metered.
 */
function meterWindow(pgbenchPid: number, seconds: number): { spent?: CpuSpent; fromMs: number; toMs: number } {
  const window: { spent?: CpuSpent; fromMs: number; toMs: number } = { fromMs: 0, toMs: 0 };
  if (seconds < 3) return window;
  setTimeout(() => {
    const read = startCpuMeter([], pgbenchPid);
    window.fromMs = Date.now();
    setTimeout(() => {
      window.spent = read();
      window.toMs = Date.now();
    }, seconds * 1000 - 1500);
  }, 1000);
  return window;
}
