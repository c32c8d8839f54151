import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** fault-results.json at the repository root (gitignored), and the README table beside it as fault-results.md. */
export const faultResultsFile = fileURLToPath(new URL("../../../fault-results.json", import.meta.url));
const tableFile = faultResultsFile.replace(/\.json$/, ".md");

export interface ScenarioResult {
  /** Scenario number in the README's list, e.g. "1" or "3". */
  id: string;
  scenario: string;
  /** The load held, in words, e.g. "3 serve + 2 workers, 24 clients, 30 s, 310 calls/s". */
  load: string;
  faults: string[];
  acknowledgedBookings: number;
  lost: number;
  overbooked: number;
  /** What the history checker found wrong (checkHistory); 0 when the run kept every promise. */
  historyViolations: number;
  /** Anything else worth keeping from the run (5xx counts, readiness states seen, timings). */
  details?: Record<string, unknown>;
}

interface ResultsFile {
  updatedAt: string;
  scenarios: Record<string, ScenarioResult & { recordedAt: string }>;
}

/**
 * Records one scenario's result, replacing that scenario's previous one; the
 * fault suite runs its files one after another, so read-then-write is safe.
 */
export function recordScenarioResult(result: ScenarioResult): void {
  const file: ResultsFile = existsSync(faultResultsFile)
    ? (JSON.parse(readFileSync(faultResultsFile, "utf8")) as ResultsFile)
    : { updatedAt: "", scenarios: {} };
  const now = new Date().toISOString();
  file.updatedAt = now;
  file.scenarios[result.id] = { ...result, recordedAt: now };
  writeAtomically(faultResultsFile, `${JSON.stringify(file, null, 2)}\n`);
  writeAtomically(tableFile, resultsTable(Object.values(file.scenarios)));
}

/** The README's results table, in scenario order. */
export function resultsTable(results: ScenarioResult[]): string {
  const rows = [...results]
    .sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }))
    .map((r) => `| ${r.id}. ${r.scenario} | ${r.load} | ${r.faults.join("; ")} | ${r.acknowledgedBookings.toLocaleString("en")} | ${r.lost} | ${r.overbooked} | ${r.historyViolations ?? "not checked"} |`);
  return [
    "| scenario | load held | faults injected | acknowledged bookings | lost | overbooked slots | history violations |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}
