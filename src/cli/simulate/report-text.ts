import { textTable } from "../terminal/text-table.js";
import type { OperationReport } from "./operation-stats.js";
import type { SimulationReport } from "./simulation-report.js";

/** The report for people: what ran, a table per operation, why calls were refused, the audit and its verdict. */
export function reportText(report: SimulationReport): string {
  const { settings, operations } = report;
  const mix = `booking ${share(settings.mix.booking)}, confirm ${share(settings.mix.confirm)}, read ${share(settings.mix.read)}`;
  const header = [
    `simulated ${report.seconds.toFixed(1)} s: ${settings.workers} workers over ${settings.protocol} to ${settings.urls.join(", ")}`,
    `mix ${mix}; ${settings.patientsLoaded} patients and ${settings.slotsLoaded} open slots loaded from the database`,
  ];
  const table = textTable(
    ["operation", "total", "success", "conflicts", "errors", "per second", "avg ms", "min ms", "max ms", "p50 ms", "p95 ms", "p99 ms"],
    Object.entries(operations).map(([name, line]) => [name, ...numbers(line)]),
  );
  const audit = Object.entries(report.audit).map(([finding, rows]) => `${finding} ${(rows as unknown[]).length}`);
  return [
    ...header,
    "",
    table,
    "",
    `conflicts: ${reasons(operations.all.conflictReasons)}`,
    `errors: ${reasons(operations.all.errorReasons)}`,
    `audit: ${audit.join(", ")}`,
    historyLine(report.history),
    ...report.history.violations.map((violation) => `  ${violation.property}: ${violation.detail}`),
    report.verdict,
    "",
  ].join("\n");
}

function historyLine(history: SimulationReport["history"]): string {
  const checked = `${history.operations.toLocaleString("en-US")} operations against ${history.appointments.toLocaleString("en-US")} appointments and ${history.events.toLocaleString("en-US")} events`;
  if (history.violationCount === 0) return `history: ${checked}, no violation`;
  const shown = history.violations.length < history.violationCount ? `, the first ${history.violations.length}:` : ":";
  return `history: ${checked}, ${history.violationCount} violation(s)${shown}`;
}

function numbers(line: OperationReport): number[] {
  const { avg, min, max, p50, p95, p99 } = line.latencyMs;
  return [line.total, line.success, line.conflicts, line.errors, line.throughput, avg, min, max, p50, p95, p99];
}

function reasons(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? "none" : entries.map(([reason, n]) => `${reason} ${n.toLocaleString("en-US")}`).join(", ");
}

function share(value: number): string {
  return `${Math.round(value * 1000) / 10}%`;
}
