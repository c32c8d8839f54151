import { LatencySamples, type LatencySummary } from "./latency-samples.js";
import type { Outcome } from "../../app/simulate/outcome.js";

export type Operation = "booking" | "confirm" | "read";

export const operations: readonly Operation[] = ["booking", "confirm", "read"];

/** One operation's (or all operations') line of the report. */
export interface OperationReport {
  total: number;
  success: number;
  conflicts: number;
  errors: number;
  /** Calls per second of the run. */
  throughput: number;
  latencyMs: LatencySummary;
  conflictReasons: Record<string, number>;
  errorReasons: Record<string, number>;
}

/** What the workers record for one operation while the run goes on. */
export class OperationStats {
  readonly latencies = new LatencySamples();
  success = 0;
  conflicts = 0;
  errors = 0;
  readonly conflictReasons: Record<string, number> = {};
  readonly errorReasons: Record<string, number> = {};

  record(outcome: Outcome, milliseconds: number): void {
    this.latencies.add(milliseconds);
    if (outcome.kind === "success") {
      this.success += 1;
      return;
    }
    const reasons = outcome.kind === "conflict" ? this.conflictReasons : this.errorReasons;
    const reason = outcome.reason ?? "unknown";
    reasons[reason] = (reasons[reason] ?? 0) + 1;
    if (outcome.kind === "conflict") this.conflicts += 1;
    else this.errors += 1;
  }

  get total(): number {
    return this.success + this.conflicts + this.errors;
  }

  static report(stats: OperationStats[], seconds: number): OperationReport {
    const sum = (field: "success" | "conflicts" | "errors" | "total"): number =>
      stats.reduce((total, entry) => total + entry[field], 0);
    const merged = (field: "conflictReasons" | "errorReasons"): Record<string, number> => {
      const reasons: Record<string, number> = {};
      for (const entry of stats) for (const [reason, n] of Object.entries(entry[field])) reasons[reason] = (reasons[reason] ?? 0) + n;
      return reasons;
    };
    return {
      total: sum("total"),
      success: sum("success"),
      conflicts: sum("conflicts"),
      errors: sum("errors"),
      throughput: seconds > 0 ? Math.round((sum("total") / seconds) * 10) / 10 : 0,
      latencyMs: LatencySamples.summarize(stats.map((entry) => entry.latencies)),
      conflictReasons: merged("conflictReasons"),
      errorReasons: merged("errorReasons"),
    };
  }
}
