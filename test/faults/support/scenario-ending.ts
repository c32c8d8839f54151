import { expect } from "vitest";
import { loadHistoryRecord } from "../../../src/adapters/postgres/sql/load-history-record.js";
import { checkHistory, type HistoryVerdict } from "../../../src/core/history/check-history.js";
import { recordScenarioResult } from "./fault-results.js";
import type { Ledger } from "./ledger.js";
import type { LoadSummary } from "./load-driver.js";
import { describeLoad, serverErrors } from "./load-words.js";
import type { Scenario } from "./use-scenario.js";
import { verifyRun, type RunVerdict } from "./verify-run.js";

export interface ScenarioEnding {
  /** Scenario number in the README's list. */
  id: string;
  scenario: string;
  /** What ran, for the "load held" cell, e.g. "3 serve + 2 expiry-worker". */
  processes: string;
  faults: string[];
  summary: LoadSummary;
  ledger: Ledger;
  /** The scenario's own findings, kept in fault-results.json beside the summary and the audit. */
  details?: Record<string, unknown>;
  /** 5xx answers ("503 unavailable") that are the fault's own, not a failure of the service. */
  expectedServerErrors?: string[];
}

/**
 * The end every scenario shares: the history of every operation the clients
 * sent checked against the database's record of the seeded slots
 * (checkHistory: capacity at every instant, nothing acknowledged lost,
 * nothing unasked, confirmations after their holds, every slot_already_booked
 * explained), the end state audited, the result recorded for the results
 * table, and the promises every scenario makes checked (no violation, a clean
 * audit, nothing lost or overbooked, no 5xx a client saw beyond the expected
 * ones, no process exit the test did not cause). Returns the verdicts for the
 * scenario's own assertions.
 */
export async function finishScenario(
  scenario: Pick<Scenario, "data" | "sched">,
  ending: ScenarioEnding,
): Promise<RunVerdict & { history: HistoryVerdict }> {
  const verdict = await verifyRun(scenario.data.pool, ending.ledger);
  const record = await loadHistoryRecord(scenario.data.pool, { slotIds: scenario.data.slotIds });
  const history = checkHistory(ending.ledger.history.operations, record);
  const { violations, ...historyFigures } = history;
  recordScenarioResult({
    id: ending.id,
    scenario: ending.scenario,
    load: describeLoad(ending.summary, ending.processes),
    faults: ending.faults,
    acknowledgedBookings: verdict.acknowledgedBookings,
    lost: verdict.lost,
    overbooked: verdict.overbooked,
    historyViolations: violations.length,
    details: { summary: ending.summary, ...ending.details, audit: verdict.audit, history: { ...historyFigures, violations: violations.slice(0, 50) } },
  });

  // The first violations name what broke; the figures say how much was checked.
  expect({ violations: violations.slice(0, 10), count: violations.length }).toEqual({ violations: [], count: 0 });

  expect(verdict.audit).toEqual({ overbookedSlots: [], duplicateActiveAppointments: [], trailMismatches: [], illegalStates: [] });
  expect({ lost: verdict.lost, overbooked: verdict.overbooked }).toEqual({ lost: 0, overbooked: 0 });
  const expected = new Set(ending.expectedServerErrors ?? []);
  expect(Object.fromEntries(Object.entries(serverErrors(ending.summary)).filter(([key]) => !expected.has(key)))).toEqual({});
  expect(scenario.sched.crashes()).toEqual([]);
  return { ...verdict, history };
}
