import type { LoadSummary } from "./load-driver.js";

/** The README's "load held" cell: what ran, how many clients, how long, how fast. */
export function describeLoad(summary: LoadSummary, processes: string): string {
  const seconds = Math.round(summary.durationMs / 1000);
  return `${processes}; ${summary.clients} clients, ${seconds} s, ${summary.callsPerSecond.toLocaleString("en")} calls/s`;
}

/** Every 5xx the clients saw, by "status code", over all operations. */
export function serverErrors(summary: LoadSummary): Record<string, number> {
  const total: Record<string, number> = {};
  for (const stats of Object.values(summary.operations)) {
    for (const [key, count] of Object.entries(stats.serverErrors)) total[key] = (total[key] ?? 0) + count;
  }
  return total;
}
