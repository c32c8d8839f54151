import type { Row } from "./bench-row.js";
import type { Soak } from "./soak-cell.js";
import type { Throughput } from "./throughput-cells.js";

/** One of the benchmark issue's targets, as this run measured it. */
export interface Verdict {
  target: string;
  measured: string;
  pass: boolean | null;
}

const served = ["rest", "grpc"] as const;

/** Every target the run has the cells for; a target without its cells says so instead of passing. */
export function verdicts(rows: Row[], throughputs: Throughput[], soak: Soak | undefined, rssLimitMb = 250): Verdict[] {
  const find = (protocol: string, shape: Row["shape"], clients: number): Row | undefined =>
    rows.find((r) => r.protocol === protocol && r.shape === shape && r.clients === clients);
  // The client counts; a run without them says "not measured" for their targets.
  const most = 50;
  const least = 1;
  const out: Verdict[] = [];
  const add = (target: string, value: number | undefined, pass: (v: number) => boolean, show: (v: number) => string): void => {
    out.push(value === undefined || Number.isNaN(value) ? { target, measured: "not measured", pass: null } : { target, measured: show(value), pass: pass(value) });
  };
  const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  for (const p of served) {
    const spread = find(p, "spread", most);
    const hot = find(p, "hot", most);
    add(`${p}: spread@${most} ≥ 25 % of pgbench@${most}`, spread?.ratioToBaseline ?? undefined, (v) => v >= 0.25, pct);
    // The storage layer's own p99 at the same client count, beside ours: the floor this machine sets.
    const baselineP99 = find("pgbench", "spread", most)?.p99Ms;
    const withBaseline = (v: number): string => (baselineP99 === undefined ? ms(v) : `${ms(v)} (pgbench's own: ${ms(baselineP99)})`);
    add(`${p}: p99 ≤ 20 ms @${most} (spread and hot)`, spread && hot ? Math.max(spread.p99Ms, hot.p99Ms) : undefined, (v) => v <= 20, withBaseline);
    add(`${p}: p50 ≤ 2 ms @${least} (spread)`, find(p, "spread", least)?.p50Ms, (v) => v <= 2, ms);
    add(`${p}: hot@${most} ≥ ½ of spread@${most} attempts/s`, spread && hot ? hot.attemptsPerSecond / spread.attemptsPerSecond : undefined, (v) => v >= 0.5, pct);
    const hotRows = rows.filter((r) => r.protocol === p && r.shape === "hot");
    add(`${p}: hot, no overbooked slot and no 5xx`, hotRows.length ? hotRows.reduce((n, r) => n + (r.overbookedSlots ?? 0) + r.errors, 0) : undefined, (v) => v === 0, (v) => `${v} overbooked slots + errors`);
    const million = find(p, "spread-1M", most);
    add(`${p}: spread@${most} with 1M appointments ≥ 85 % of empty`, million && spread ? million.attemptsPerSecond / spread.attemptsPerSecond : undefined, (v) => v >= 0.85, pct);
  }
  const rss = Math.max(...rows.map((r) => r.serverRssMb?.max ?? 0), soak?.maxMb ?? 0);
  add(`server RSS ≤ ${rssLimitMb} MB (largest process, any cell)`, rss || undefined, (v) => v <= rssLimitMb, (v) => `${v.toFixed(1)} MB`);
  add(`server RSS: no growth over the soak`, soak?.growthMb, (v) => v <= 10, (v) => `${v >= 0 ? "+" : ""}${v.toFixed(1)} MB after warm-up over ${Math.round(soak!.seconds)} s`);
  const rate = (name: string): number | undefined => throughputs.find((t) => t.name === name)?.rowsPerSecond;
  add("sched seed ≥ 50 000 rows/s", rate("sched seed"), (v) => v >= 50_000, (v) => `${Math.round(v).toLocaleString("en-US")} rows/s`);
  add("expiry worker ≥ 20 000 holds/s", rate("sched expiry-worker"), (v) => v >= 20_000, (v) => `${Math.round(v).toLocaleString("en-US")} holds/s`);
  return out;
}

export function verdictTable(list: Verdict[]): string {
  const width = Math.max(...list.map((v) => v.target.length));
  const mark = (v: Verdict): string => (v.pass === null ? "-   " : v.pass ? "PASS" : "FAIL");
  return list.map((v) => `${mark(v)}  ${v.target.padEnd(width)}  ${v.measured}`).join("\n");
}
