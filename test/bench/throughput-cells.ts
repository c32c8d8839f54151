import { runSched } from "./bench-processes.js";

/** A figure measured once per run rather than per client count: rows per second of a command. */
export interface Throughput {
  name: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

export function seedThroughput(seed: { rows: { total: number }; seconds: number }): Throughput {
  return { name: "sched seed", rows: seed.rows.total, seconds: seed.seconds, rowsPerSecond: seed.rows.total / seed.seconds };
}

/**
 * `sched expiry-worker --once` over the `holds` lapsed holds in the database,
 * timed by the worker's own log line (the process's start-up is not the
 * expiry's cost).
 */
export function expiryThroughput(root: string, dsn: string, holds: number): Throughput {
  const stdout = runSched(root, ["expiry-worker", "--once"], dsn);
  const line = stdout.split("\n").find((l) => l.includes('"expired"'));
  if (line === undefined) throw new Error(`sched expiry-worker --once logged no run: ${stdout}`);
  const run = JSON.parse(line) as { expired: number; duration_ms: number };
  if (run.expired !== holds) throw new Error(`sched expiry-worker expired ${run.expired} of ${holds} lapsed holds`);
  return { name: "sched expiry-worker", rows: run.expired, seconds: run.duration_ms / 1000, rowsPerSecond: run.expired / (run.duration_ms / 1000) };
}
