import { describe, expect, it } from "vitest";
import { auditInvariants } from "../../src/adapters/postgres/tooling/audit-invariants.js";
import { loadHistoryRecord } from "../../src/adapters/postgres/tooling/load-history-record.js";
import { checkHistory } from "../../src/core/history/check-history.js";
import { HistoryRecorder } from "../../src/core/history/history-operation.js";
import { recordScenarioResult, sleep, useScenario } from "./support/index.js";

// 20 slots of capacity 2 in pairs, one confirmed appointment on each, and 20
// clients moving their appointment back and forth between the two slots of
// its pair through both servers, without pause. 4 s in, one server gets
// SIGKILL with moves in flight; 3 s later it starts again on its port. A
// move is one statement, so whatever the kill cut off either happened whole
// or not at all: the audit finds every appointment in the slot its trail of
// moves leads to, no slot beyond its capacity, every trail legal, and the
// history checker finds every move a client was told of with its event,
// every event asked for, and no slot over capacity at any instant. Its
// figures go into the fault suite's results like every other scenario's.

const scenario = useScenario("reschedule_crash", {
  servers: 2,
  workers: 0,
  seed: { clinicians: 2, slotsPerClinician: 10, patients: 40, capacity: 2 },
});

interface Mover {
  id: string;
  pair: [string, string];
}

describe("scenario 11: SIGKILL mid-reschedule", () => {
  it("leaves no move half done: every appointment in one slot, each answered move with its event", async () => {
    const [, victim] = scenario.sched.servers;
    const urls = scenario.sched.urls();
    const { slotIds, patientIds, pool } = scenario.data;
    const movers: Mover[] = [];
    const history = new HistoryRecorder();
    for (const [index, slotId] of slotIds.entries()) {
      const booking = history.begin("book", { slotId, patientId: patientIds[index]! });
      const hold = await post(urls[0]!, "/appointments", { slot_id: slotId, patient_id: patientIds[index] });
      booking.end({ outcome: "ok" }, hold.body.id);
      const confirming = history.begin("confirm", { appointmentId: hold.body.id! });
      await post(urls[0]!, `/appointments/${hold.body.id}/confirm`, {});
      confirming.end({ outcome: "ok" });
      const first = index - (index % 2);
      movers.push({ id: hold.body.id as string, pair: [slotIds[first]!, slotIds[first + 1]!] });
    }

    const answered: string[] = [];
    let moveCalls = 0;
    let refused = 0;
    let unavailable = 0;
    let inFlightOnVictim = 0;
    let cutOff = 0;
    let unanswered = 0;
    let stopped = false;
    const victimUrl = victim!.url!;
    const startedAt = Date.now();
    const moving = movers.map(async (mover, index) => {
      let turn = index;
      while (!stopped) {
        const url = urls[turn++ % urls.length]!;
        // Where it is now, from the server that answers: after a cut-off move nobody knows but the database.
        const current = await readSlot(urls, mover.id);
        const to = mover.pair.find((slotId) => slotId !== current)!;
        if (url === victimUrl) inFlightOnVictim += 1;
        const move = history.begin("reschedule", { appointmentId: mover.id, slotId: to });
        const answer = await post(url, `/appointments/${mover.id}/reschedule`, { slot_id: to }).catch(() => undefined);
        moveCalls += 1;
        if (url === victimUrl) inFlightOnVictim -= 1;
        if (answer === undefined || answer.status >= 500) move.end({ outcome: "unknown", reason: answer === undefined ? "no answer" : String(answer.status) });
        else if (answer.status === 200) move.end({ outcome: "ok" });
        else move.end({ outcome: "refused", code: answer.body.error ?? String(answer.status) });
        if (answer === undefined) unanswered += 1;
        else if (answer.status === 200) answered.push(`${mover.id}>${to}`);
        else {
          expect([409, 503], JSON.stringify(answer.body)).toContain(answer.status);
          if (answer.status === 503) unavailable += 1;
          else refused += 1;
        }
      }
    });

    await sleep(4_000);
    // The kill waits for a moment when moves are under way on the victim, so that it cuts some off.
    for (let waited = 0; inFlightOnVictim === 0 && waited < 2_000; waited += 1) await sleep(1);
    const inFlightAtKill = inFlightOnVictim;
    const exit = await victim!.stop("SIGKILL");
    cutOff = inFlightAtKill;
    await sleep(3_000);
    await victim!.start();
    await sleep(4_000);
    stopped = true;
    await Promise.all(moving);
    const seconds = (Date.now() - startedAt) / 1000;

    const audit = await auditInvariants(pool);
    const { rows } = await pool.query<{ move: string }>(
      `SELECT appointment_id || '>' || (payload->>'to_slot_id') AS move FROM event_logs WHERE event_type = 'APPOINTMENT_RESCHEDULED'`,
    );
    const recorded = new Set(rows.map((row) => row.move));
    const lostMoves = answered.filter((move) => !recorded.has(move));
    const verdict = checkHistory(history.operations, await loadHistoryRecord(pool, { slotIds }));
    const { violations, ...historyFigures } = verdict;
    recordScenarioResult({
      id: "11",
      scenario: "SIGKILL mid-reschedule",
      load: `2 serve; ${movers.length} clients moving, ${Math.round(seconds)} s, ${Math.round(moveCalls / seconds).toLocaleString("en")} moves/s`,
      faults: [`SIGKILL of 1 serve at 4 s with ${cutOff} move(s) in flight on it`, "restarted 3 s later"],
      acknowledgedBookings: movers.length,
      lost: lostMoves.length,
      overbooked: audit.overbookedSlots.length,
      historyViolations: violations.length,
      details: {
        moves: { sent: moveCalls, answered200: answered.length, refused409: refused, unavailable503: unavailable, unanswered, cutOffAtKill: cutOff, eventsRecorded: rows.length },
        audit,
        history: { ...historyFigures, violations: violations.slice(0, 50) },
      },
    });

    expect(exit.signal).toBe("SIGKILL");
    expect(cutOff, "moves in flight on the server when it was killed").toBeGreaterThan(0);
    expect(unanswered).toBeGreaterThan(0);
    expect(answered.length).toBeGreaterThan(100);
    expect(audit).toEqual({ overbookedSlots: [], duplicateActiveAppointments: [], trailMismatches: [], illegalStates: [], misplacedAppointments: [] });
    expect(lostMoves).toEqual([]);
    // The moves cut off or unanswered are the only ones the database may have beyond those answered.
    expect(rows.length - answered.length).toBeLessThanOrEqual(unanswered);
    expect(violations).toEqual([]);
    expect(scenario.sched.crashes()).toEqual([]);
  });
});

interface Answer {
  status: number;
  body: { id?: string; slot_id?: string; slot?: { id: string }; error?: string };
}

async function post(url: string, path: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Answer["body"] };
}

/** The appointment's slot, read from the first server that answers. */
async function readSlot(urls: string[], id: string): Promise<string> {
  for (;;) {
    for (const url of urls) {
      const response = await fetch(`${url}/appointments/${id}`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      if (response?.ok) return ((await response.json()) as { slot: { id: string } }).slot.id;
    }
    await sleep(50);
  }
}
