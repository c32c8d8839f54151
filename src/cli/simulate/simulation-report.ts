import type { InvariantAudit } from "../../app/simulate/simulation-database.js";
import type { HistoryVerdict, HistoryViolation } from "../../core/history/check-history.js";
import type { SimulationIds } from "../../app/simulate/simulation-database.js";
import { invariantVerdict } from "./invariant-verdict.js";
import { OperationStats, operations, type Operation, type OperationReport } from "./operation-stats.js";
import type { TrafficMix } from "./traffic-mix.js";
import type { SimulationRun } from "./run-simulation.js";
import type { SimulationSettings } from "./simulate-settings.js";

/** What `sched simulate --json` writes. */
export interface SimulationReport {
  /** The settings, but never the token (reports get pasted into tickets) nor the CA's bytes. */
  settings: Omit<SimulationSettings, "token" | "ca"> & { patientsLoaded: number; slotsLoaded: number };
  seconds: number;
  operations: Record<Operation | "all", OperationReport>;
  audit: InvariantAudit;
  /** Every booking and confirmation checked against the database's record (checkHistory); the first violations only. */
  history: Omit<HistoryVerdict, "violations"> & { violations: HistoryViolation[]; violationCount: number };
  invariantsHold: boolean;
  verdict: string;
}

export function simulationReport(
  settings: SimulationSettings,
  ids: SimulationIds,
  run: SimulationRun,
  audit: InvariantAudit,
  history: HistoryVerdict,
): SimulationReport {
  const perOperation = Object.fromEntries(
    operations.map((operation) => [operation, OperationStats.report([run.stats[operation]], run.seconds)]),
  ) as Record<Operation, OperationReport>;
  const { hold, verdict } = invariantVerdict(audit, history);
  const { token: _token, ca: _ca, ...shown } = settings;
  return {
    settings: { ...shown, mix: roundedMix(settings.mix), patientsLoaded: ids.patientIds.length, slotsLoaded: ids.slotIds.length },
    seconds: Math.round(run.seconds * 1000) / 1000,
    operations: { ...perOperation, all: OperationStats.report(Object.values(run.stats), run.seconds) },
    audit,
    history: { ...history, violations: history.violations.slice(0, shownViolations), violationCount: history.violations.length },
    invariantsHold: hold,
    verdict,
  };
}

// Enough to see what broke; a report must stay readable however much did.
const shownViolations = 20;

function roundedMix(mix: TrafficMix): TrafficMix {
  const share = (value: number): number => Math.round(value * 1e6) / 1e6;
  return { booking: share(mix.booking), confirm: share(mix.confirm), read: share(mix.read) };
}
