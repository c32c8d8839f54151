import { expect } from "vitest";
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
 * The end every scenario shares: the run verified against the database,
 * recorded for the README table, and the promises every scenario makes
 * checked (a clean audit, nothing lost or overbooked, no 5xx a client saw
 * beyond the expected ones, no process exit the test did not cause). Returns
 * the verdict for the scenario's own assertions.
 */
export async function finishScenario(scenario: Pick<Scenario, "data" | "sched">, ending: ScenarioEnding): Promise<RunVerdict> {
  const verdict = await verifyRun(scenario.data.pool, ending.ledger);
  recordScenarioResult({
    id: ending.id,
    scenario: ending.scenario,
    load: describeLoad(ending.summary, ending.processes),
    faults: ending.faults,
    acknowledgedBookings: verdict.acknowledgedBookings,
    lost: verdict.lost,
    overbooked: verdict.overbooked,
    details: { summary: ending.summary, ...ending.details, audit: verdict.audit },
  });

  expect(verdict.audit).toEqual({ overbookedSlots: [], duplicateActiveAppointments: [], trailMismatches: [], illegalStates: [] });
  expect({ lost: verdict.lost, overbooked: verdict.overbooked }).toEqual({ lost: 0, overbooked: 0 });
  const expected = new Set(ending.expectedServerErrors ?? []);
  expect(Object.fromEntries(Object.entries(serverErrors(ending.summary)).filter(([key]) => !expected.has(key)))).toEqual({});
  expect(scenario.sched.crashes()).toEqual([]);
  return verdict;
}
