import { readdirSync, readFileSync } from "node:fs";

/** CPU milliseconds per attempt, by who spent them: where the 2 cores went in a cell. */
export interface CpuPerAttempt {
  /** The `sched serve` processes together (every thread: JavaScript, GC, libuv). */
  serverMs: number | null;
  /** Every `postgres` process on the machine: the shared server's backends, WAL writer, checkpointer (a lower bound: see postgresCpuSince). */
  postgresMs: number;
  /** The load generator: this process for served cells, pgbench for the baseline. */
  generatorMs: number;
}

// USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`).
const msPerTick = 10;

/** utime + stime of one process, in ms; 0 once it is gone. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name in parentheses may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * msPerTick;
  } catch {
    return 0;
  }
}

/** CPU ms of every running `postgres` process, by pid. */
function postgresCpuByPid(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let name: string;
    try {
      name = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    if (name === "postgres") byPid.set(Number(entry), processCpuMs(Number(entry)));
  }
  return byPid;
}

/**
 * What PostgreSQL spent since `before`, process by process: a backend or an
 * autovacuum worker that exits takes its CPU with it, and a plain sum of the
 * two readings would then fall below zero. The figure is a lower bound.
 */
function postgresCpuSince(before: Map<number, number>): number {
  let spent = 0;
  for (const [pid, ms] of postgresCpuByPid()) spent += ms - (before.get(pid) ?? 0);
  return spent;
}

/** CPU milliseconds spent between a meter's start and its reading. */
export interface CpuSpent {
  serverMs: number | null;
  postgresMs: number;
  generatorMs: number;
}

/**
 * Starts measuring; the returned function reads what was spent since. The
 * generator is this process unless a pid is given (pgbench). PostgreSQL
 * backends that exit take their CPU with them, so pgbench's cell reads the
 * meter while pgbench still runs (see pgbench-cell.ts).
 */
export function startCpuMeter(serverPids: number[], generatorPid?: number): () => CpuSpent {
  const servers = (): number => serverPids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const generator = (): number => {
    if (generatorPid !== undefined) return processCpuMs(generatorPid);
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const before = { server: servers(), postgres: postgresCpuByPid(), generator: generator() };
  return () => ({
    serverMs: serverPids.length ? servers() - before.server : null,
    postgresMs: postgresCpuSince(before.postgres),
    generatorMs: generator() - before.generator,
  });
}

export function perAttempt(spent: CpuSpent, attempts: number): CpuPerAttempt {
  const per = (ms: number): number => (attempts > 0 ? ms / attempts : Number.NaN);
  return { serverMs: spent.serverMs === null ? null : per(spent.serverMs), postgresMs: per(spent.postgresMs), generatorMs: per(spent.generatorMs) };
}
