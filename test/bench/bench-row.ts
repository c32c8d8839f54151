import type { CpuPerAttempt } from "./cpu-meter.js";

/** production: a verification key, issuer, audience, rate limits, APP_ENV=prod; open: APP_ENV=dev without a key. */
export type ServerConfiguration = "production" | "open";

/** spread: random slots of all; hot: 50 slots, everyone at once; spread-1M: spread with 1 000 000 appointments already stored. */
export type Shape = "spread" | "hot" | "spread-1M";

/** One cell of the benchmark: a protocol, a shape and a number of clients. */
export interface Row {
  /** pgbench (our booking statement), reference (pgbench of the minimal booking), rest or grpc. */
  protocol: string;
  /** The served cells' server: the production configuration or the open one. */
  server?: ServerConfiguration;
  shape: Shape;
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
  cpuMsPerAttempt?: CpuPerAttempt;
  abortedClients?: number;
  /** The machine's 1-minute load average when the cell ended: what else was running. */
  loadAverage?: number;
  /** Hot cells: slots over capacity in the audit after the cell. */
  overbookedSlots?: number;
  ratioToBaseline: number | null;
}

/**
 * The table's order, whatever order the cells ran in: empty tables before the
 * million stored appointments, then pgbench, the reference, REST and gRPC,
 * open before production, spread before hot, by clients.
 */
function tableOrder(a: Row, b: Row): number {
  const rank = (r: Row): number[] => [
    r.shape === "spread-1M" ? 1 : 0,
    ["pgbench", "reference", "rest", "grpc"].indexOf(r.protocol),
    r.server === "production" ? 1 : 0,
    r.shape === "hot" ? 1 : 0,
    r.clients,
  ];
  const [x, y] = [rank(a), rank(b)];
  const at = x.findIndex((v, i) => v !== y[i]);
  return at === -1 ? 0 : x[at]! - y[at]!;
}

export function table(unordered: Row[]): string {
  const rows = [...unordered].sort(tableOrder);
  const header = ["protocol", "server", "shape", "clients", "attempts/s", "booked/s", "p50 ms", "p95 ms", "p99 ms", "conflicts", "errors", "rss MB", "x baseline", "srv ms/op", "pg ms/op", "gen ms/op", "load"];
  const f = (n: number | null | undefined, digits = 1): string => (n === null || n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits));
  const body = rows.map((r) => [
    r.protocol, r.server === undefined ? "-" : r.server === "production" ? "prod" : "open", r.shape, String(r.clients), f(r.attemptsPerSecond), f(r.bookedPerSecond), f(r.p50Ms, 2), f(r.p95Ms, 2), f(r.p99Ms, 2),
    r.conflicts === null ? "-" : String(r.conflicts), r.abortedClients ? `${r.errors} (${r.abortedClients} aborted)` : String(r.errors),
    f(r.serverRssMb?.max), f(r.ratioToBaseline, 3),
    f(r.cpuMsPerAttempt?.serverMs, 3), f(r.cpuMsPerAttempt?.postgresMs, 3), f(r.cpuMsPerAttempt?.generatorMs, 3), f(r.loadAverage),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [header, ...body].map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}

/** The production configuration's throughput over the open server's, per protocol and client count: the cost of security as a figure. */
export function securityCost(rows: Row[]): string[] {
  return ["rest", "grpc"].flatMap((protocol) => {
    const pairs = rows
      .filter((r) => r.protocol === protocol && r.shape === "spread" && r.server === "open")
      .flatMap((open) => {
        const prod = rows.find((r) => r.protocol === protocol && r.shape === "spread" && r.server === "production" && r.clients === open.clients);
        return prod ? [`${open.clients}: ${(prod.attemptsPerSecond / open.attemptsPerSecond).toFixed(2)}`] : [];
      });
    return pairs.length ? [`${protocol} production ÷ open attempts/s (spread), by clients: ${pairs.join(", ")}`] : [];
  });
}
