import { expect } from "vitest";
import { loadHistoryRecord } from "../../../src/adapters/postgres/tooling/load-history-record.js";
import { checkHistory, type HistoryVerdict, type HistoryViolation } from "../../../src/core/history/check-history.js";
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
  /**
   * Acknowledged operations may be missing since a fault at `faultAt` (a
   * failover to an asynchronous standby): those acknowledged before it are
   * measured and recorded as details.loss instead of failing the scenario;
   * every other promise, and every other property of the history, is still
   * checked.
   */
  measuredLoss?: { faultAt: number };
}

/** What a scenario with measuredLoss lost: counts, and how long before the fault the oldest lost operation was acknowledged. */
export interface MeasuredLoss {
  bookings: number;
  confirms: number;
  cancels: number;
  /** 0 when nothing was lost. */
  windowMs: number;
}

/**
 * The acknowledged operations the database lacks that were acknowledged
 * before the fault (the measured loss), and the violations that remain once
 * their acknowledged-recorded ones are set aside.
 */
function measureLoss(verdict: RunVerdict, ledger: Ledger, faultAt: number, violations: HistoryViolation[]): { loss: MeasuredLoss; remaining: HistoryViolation[] } {
  const lost = {
    book: new Set(verdict.lostBookings),
    confirm: new Set(verdict.lostConfirms),
    cancel: new Set(verdict.lostCancels),
    // The load driver moves nothing and records no visit.
    reschedule: new Set<string>(),
    check_in: new Set<string>(),
    complete: new Set<string>(),
    no_show: new Set<string>(),
  };
  const lostBeforeFault = ledger.history.operations.filter(
    (op) => op.answer.outcome === "ok" && op.appointmentId !== undefined && lost[op.kind].has(op.appointmentId) && op.endedAt <= faultAt,
  );
  const excused = new Set(lostBeforeFault.map((op) => op.appointmentId!));
  return {
    loss: {
      bookings: verdict.lostBookings.length,
      confirms: verdict.lostConfirms.length,
      cancels: verdict.lostCancels.length,
      windowMs: lostBeforeFault.length === 0 ? 0 : faultAt - Math.min(...lostBeforeFault.map((op) => op.endedAt)),
    },
    remaining: violations.filter((violation) => !(violation.property === "acknowledged-recorded" && excused.has(violation.appointmentId ?? ""))),
  };
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
): Promise<RunVerdict & { history: HistoryVerdict; measuredLoss?: MeasuredLoss }> {
  const verdict = await verifyRun(scenario.data.pool, ending.ledger);
  const record = await loadHistoryRecord(scenario.data.pool, { slotIds: scenario.data.slotIds });
  const history = checkHistory(ending.ledger.history.operations, record);
  const measured = ending.measuredLoss && measureLoss(verdict, ending.ledger, ending.measuredLoss.faultAt, history.violations);
  const { violations: allViolations, ...historyFigures } = history;
  const violations = measured?.remaining ?? allViolations;
  recordScenarioResult({
    id: ending.id,
    scenario: ending.scenario,
    load: describeLoad(ending.summary, ending.processes),
    faults: ending.faults,
    acknowledgedBookings: verdict.acknowledgedBookings,
    lost: verdict.lost,
    overbooked: verdict.overbooked,
    historyViolations: violations.length,
    details: { summary: ending.summary, ...ending.details, ...(measured ? { loss: measured.loss } : {}), audit: verdict.audit, history: { ...historyFigures, violations: violations.slice(0, 50) } },
  });

  // The first violations name what broke; the figures say how much was checked.
  expect({ violations: violations.slice(0, 10), count: violations.length }).toEqual({ violations: [], count: 0 });

  expect(verdict.audit).toEqual({ overbookedSlots: [], duplicateActiveAppointments: [], trailMismatches: [], illegalStates: [], misplacedAppointments: [] });
  // Lost after the fault is never excused: the violations above keep those.
  expect({ lost: measured ? 0 : verdict.lost, overbooked: verdict.overbooked }).toEqual({ lost: 0, overbooked: 0 });
  const expected = new Set(ending.expectedServerErrors ?? []);
  expect(Object.fromEntries(Object.entries(serverErrors(ending.summary)).filter(([key]) => !expected.has(key)))).toEqual({});
  expect(scenario.sched.crashes()).toEqual([]);
  return { ...verdict, history, ...(measured ? { measuredLoss: measured.loss } : {}) };
}
