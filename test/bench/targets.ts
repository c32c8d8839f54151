import type { Row, ServerConfiguration, Shape } from "./bench-row.js";
import type { Soak } from "./soak-cell.js";
import type { Throughput } from "./throughput-cells.js";

/** One of the benchmark's targets, as this run measured it. */
export interface Verdict {
  target: string;
  measured: string;
  pass: boolean | null;
}

const served = [
  ["rest", 0.5],
  ["grpc", 0.4],
] as const;

/**
 * Every target, each computed from figures of this run only, so that it
 * carries across machines: ratios to pgbench of our statement, to the
 * minimal reference booking, to the open server and to plain bulk SQL. A
 * target whose cells the run did not measure says so instead of passing.
 */
export function verdicts(rows: Row[], throughputs: Throughput[], soak: Soak | undefined, rssLimitMb = 250): Verdict[] {
  const find = (protocol: string, shape: Shape, clients: number, server?: ServerConfiguration): Row | undefined =>
    rows.find((r) => r.protocol === protocol && r.shape === shape && r.clients === clients && r.server === server);
  const most = 50;
  const least = 1;
  const out: Verdict[] = [];
  const add = (target: string, value: number | undefined, pass: (v: number) => boolean, show: (v: number) => string): void => {
    out.push(value === undefined || Number.isNaN(value) ? { target, measured: "not measured", pass: null } : { target, measured: show(value), pass: pass(value) });
  };
  const times = (v: number): string => `${v.toFixed(2)} ×`;
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a / b);
  const pgbench = (shape: Shape, clients: number): Row | undefined => find("pgbench", shape, clients);

  for (const [p, floor] of served) {
    const prod = (shape: Shape, clients: number): Row | undefined => find(p, shape, clients, "production");
    const spread = prod("spread", most);
    add(`${p}: spread@${most}, production ≥ ${floor.toFixed(2)} × pgbench of our statement`, spread?.ratioToBaseline ?? undefined, (v) => v >= floor, times);
    add(`${p}: spread@${most}, production ≥ 0.90 × open server`, ratio(spread?.attemptsPerSecond, find(p, "spread", most, "open")?.attemptsPerSecond), (v) => v >= 0.9, times);
    const p99 = ratio(spread?.p99Ms, pgbench("spread", most)?.p99Ms);
    add(`${p}: p99@${most} (spread) ≤ 1.5 × pgbench's p99@${most}`, p99, (v) => v <= 1.5, (v) => `${times(v)} (${ms(spread!.p99Ms)} against ${ms(pgbench("spread", most)!.p99Ms)})`);
    const one = prod("spread", least);
    const baseOne = pgbench("spread", least);
    add(`${p}: p50@${least} (spread) ≤ pgbench's p50@${least} + 1 ms`, one && baseOne ? one.p50Ms - baseOne.p50Ms : undefined, (v) => v <= 1, (v) => `${v >= 0 ? "+" : ""}${ms(v)} (${ms(one!.p50Ms)} against ${ms(baseOne!.p50Ms)})`);
    const hotRows = rows.filter((r) => r.protocol === p && r.shape === "hot" && r.server === "production");
    add(`${p}: hot, no overbooked slot and no error`, hotRows.length ? hotRows.reduce((n, r) => n + (r.overbookedSlots ?? 0) + r.errors, 0) : undefined, (v) => v === 0, (v) => `${v} overbooked slots + errors`);
    const million = prod("spread-1M", most)?.ratioToBaseline ?? undefined;
    add(`${p}: ratio to pgbench@${most} with 1M appointments ≥ 0.9 × on empty tables`, ratio(million, spread?.ratioToBaseline ?? undefined), (v) => v >= 0.9, times);
  }
  add(`our statement ≥ 0.6 × the minimal reference booking (pgbench spread@${most})`, ratio(pgbench("spread", most)?.attemptsPerSecond, find("reference", "spread", most)?.attemptsPerSecond), (v) => v >= 0.6, times);
  const rss = Math.max(...rows.map((r) => r.serverRssMb?.max ?? 0), soak?.maxMb ?? 0);
  add(`server RSS ≤ ${rssLimitMb} MB (largest process, any cell)`, rss || undefined, (v) => v <= rssLimitMb, (v) => `${v.toFixed(1)} MB`);
  add(`server RSS flat over the soak (production; second half's peak ≤ first half's + 10 MB)`, soak?.growthMb, (v) => v <= 10, (v) => `${v >= 0 ? "+" : ""}${v.toFixed(1)} MB over ${Math.round(soak!.seconds)} s`);
  const rate = (name: string): number | undefined => throughputs.find((t) => t.name === name)?.rowsPerSecond;
  const rows_ = (v: number | undefined): string => (v === undefined ? "-" : `${Math.round(v).toLocaleString("en-US")}/s`);
  const bulk = (name: string, plain: string): void =>
    add(`${name} ≥ 0.5 × a ${plain} of the same rows`, ratio(rate(name), rate(plain)), (v) => v >= 0.5, (v) => `${times(v)} (${rows_(rate(name))} against ${rows_(rate(plain))})`);
  bulk("sched seed", "plain INSERT … SELECT");
  bulk("sched expiry-worker", "plain UPDATE");
  return out;
}

export function verdictTable(list: Verdict[]): string {
  const width = Math.max(...list.map((v) => v.target.length));
  const mark = (v: Verdict): string => (v.pass === null ? "-   " : v.pass ? "PASS" : "FAIL");
  return list.map((v) => `${mark(v)}  ${v.target.padEnd(width)}  ${v.measured}`).join("\n");
}
