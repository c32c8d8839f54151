import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { auditInvariants } from "../src/adapters/postgres/tooling/audit-invariants.js";
import { loadHistoryRecord } from "../src/adapters/postgres/tooling/load-history-record.js";
import { checkHistory } from "../src/core/history/check-history.js";
import { HistoryRecorder, type HistoryOperation, type OperationKind } from "../src/core/history/history-operation.js";
import { cleanAudit } from "./support/booking-fixture.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall, type RestAnswer } from "./support/e2e-rest.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

/*
 * Moves under fire: three `sched serve` processes on one database, 20 slots
 * in 10 pairs, appointments moving back and forth between the two slots of
 * their pair, in both directions at once (the crossing that deadlocks when
 * two moves lock their slots in different orders), while 300 patients book
 * the same slots and a quarter of the moving appointments are cancelled
 * midway. The run ends with the invariant audit of the tables (no slot beyond
 * its capacity, every appointment where its trail of moves leads, every trail
 * legal) and with the answers held against the tables: every move answered
 * 200 has its APPOINTMENT_RESCHEDULED event and nothing else does, and every
 * appointment sits in the slot its last successful move named.
 */

const pairs = 10;
const rounds = 6;
let database: TestDatabase;
let admin: pg.Pool;
const servers: ServerProcess[] = [];
let slots: { id: string; capacity: number }[];
let patients: string[];

beforeAll(async () => {
  database = await createTestDatabase("reschedule_concurrency");
  await migrate(database.dsn);
  admin = new pg.Pool({ connectionString: database.dsn, max: 4 });
  const clinician = (await admin.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Moves') RETURNING id`)).rows[0]!.id;
  // Pairs of capacity 2 and of capacity 3, alternately.
  slots = (
    await admin.query<{ id: string; capacity: number }>(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
       SELECT $1, timestamptz '2036-02-04T08:00:00Z' + n * interval '30 minutes', timestamptz '2036-02-04T08:30:00Z' + n * interval '30 minutes',
              CASE WHEN (n / 2) % 2 = 0 THEN 2 ELSE 3 END
         FROM generate_series(0, $2 - 1) n ORDER BY n RETURNING id, capacity`,
      [clinician, pairs * 2],
    )
  ).rows;
  patients = (
    await admin.query<{ id: string }>(`INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, 340) n RETURNING id`)
  ).rows.map((row) => row.id);
  const env = { POSTGRES_DSN: database.dsn, MAX_ACTIVE_HOLDS_PER_PATIENT: "0", RATE_LIMIT_POINTS: "0" };
  servers.push(...(await Promise.all([0, 1, 2].map(() => startServerProcess(env)))));
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop("SIGKILL")));
  await admin?.end();
  await database?.drop();
});

let calls = 0;
const history = new HistoryRecorder();

/**
 * One REST call through the next server; a slot lock held elsewhere is
 * retried, as the answer asks. The call goes into the history as one
 * operation: acknowledged, refused, or of unknown fate (a 503).
 */
async function call(
  method: string,
  path: string,
  body: unknown,
  operation?: { kind: OperationKind; fields: Pick<HistoryOperation, "appointmentId" | "slotId" | "patientId"> },
): Promise<RestAnswer> {
  const recording = operation && history.begin(operation.kind, operation.fields);
  for (;;) {
    const server = servers[calls++ % servers.length]!;
    const answer = await restCall(server.url, method, path, body);
    if (answer.body?.error === "slot_being_booked") {
      await sleep(1 + Math.random() * 10);
      continue;
    }
    if (answer.status < 300) recording?.end({ outcome: "ok" }, answer.body?.id);
    else if (answer.status >= 500) recording?.end({ outcome: "unknown", reason: String(answer.status) });
    else recording?.end({ outcome: "refused", code: answer.body?.error });
    return answer;
  }
}

describe("3 servers, 20 slots: bookings, moves both ways between the same slots, and cancels", () => {
  it("ends with every slot within capacity, every appointment in one slot with a move event per answered move, nothing half done", async () => {
    // Before the race: one confirmed appointment on each slot, so that every pair has movers both ways.
    const movers = await Promise.all(
      slots.map(async (slot, index) => {
        const booked = await call("POST", "/appointments", { slot_id: slot.id, patient_id: patients[index] }, { kind: "book", fields: { slotId: slot.id, patientId: patients[index] } });
        expect(booked.status, booked.text).toBe(201);
        await call("POST", `/appointments/${booked.body.id}/confirm`, {}, { kind: "confirm", fields: { appointmentId: booked.body.id } });
        return { id: booked.body.id as string, home: index, slot: slot.id };
      }),
    );
    const answers = new Map<string, number>();
    const tally = (what: string, answer: RestAnswer): void => {
      const key = `${what} ${answer.status} ${answer.body?.error ?? ""}`.trim();
      answers.set(key, (answers.get(key) ?? 0) + 1);
    };
    const movesAnswered200: { id: string; to: string }[] = [];
    // A move answered 503 may or may not have happened: the client reads where the appointment is.
    const movesOfUnknownFate: { id: string; to: string }[] = [];
    const cancelled = new Set<string>();

    const moving = movers.map(async (mover, index) => {
      const pair = [slots[mover.home - (mover.home % 2)]!.id, slots[mover.home - (mover.home % 2) + 1]!.id];
      for (let round = 0; round < rounds; round += 1) {
        const to = pair.find((slotId) => slotId !== mover.slot)!;
        const answer = await call("POST", `/appointments/${mover.id}/reschedule`, { slot_id: to }, { kind: "reschedule", fields: { appointmentId: mover.id, slotId: to } });
        tally("move", answer);
        if (answer.status === 200) {
          expect(answer.body).toMatchObject({ id: mover.id, slot_id: to, status: "confirmed" });
          movesAnswered200.push({ id: mover.id, to });
          mover.slot = to;
        } else if (answer.status === 503) {
          movesOfUnknownFate.push({ id: mover.id, to });
          mover.slot = (await call("GET", `/appointments/${mover.id}`, undefined)).body.slot.id;
        }
        if (round === 2 && index % 4 === 0) {
          const cancel = await call("POST", `/appointments/${mover.id}/cancel`, {}, { kind: "cancel", fields: { appointmentId: mover.id } });
          tally("cancel", cancel);
          if (cancel.status === 200) cancelled.add(mover.id);
        }
      }
    });
    const booking = patients.slice(slots.length, slots.length + 300).map(async (patientId, index) => {
      const slot = slots[index % slots.length]!;
      // The movers' first crossing goes first; the burst then lands on the moves that follow.
      await sleep(20 + Math.random() * 200);
      const answer = await call("POST", "/appointments", { slot_id: slot.id, patient_id: patientId }, { kind: "book", fields: { slotId: slot.id, patientId } });
      tally("book", answer);
      if (answer.status === 201 && index % 6 === 0) {
        tally("cancel", await call("POST", `/appointments/${answer.body.id}/cancel`, {}, { kind: "cancel", fields: { appointmentId: answer.body.id } }));
      }
    });
    await Promise.all([...moving, ...booking]);

    // Every answer was a success or a refusal a client can act on; no server fault, no deadlock.
    const allowed =
      /^(move 200|move 409 slot_already_booked|move 409 invalid_status_transition|move 503 unavailable|book 201|book 409 slot_already_booked|book 503 unavailable|cancel 200)$/;
    expect([...answers.keys()].filter((key) => !allowed.test(key))).toEqual([]);
    // A 503 is the load's, never two moves waiting for each other.
    const deadlocks = servers.flatMap((server) => server.logLines()).filter((line) => JSON.stringify(line).includes("deadlock"));
    expect(deadlocks).toEqual([]);
    expect(movesOfUnknownFate.length).toBeLessThan(5);
    expect(answers.get("move 200") ?? 0).toBeGreaterThan(pairs);
    expect(answers.get("book 201") ?? 0).toBeGreaterThan(0);
    expect(cancelled.size).toBeGreaterThan(0);

    // The tables, not the answers: capacity plus recorded overbookings, legal trails, every appointment where its moves lead.
    expect(await auditInvariants(admin)).toEqual(cleanAudit);
    // And the answers against the tables, at every instant: no slot held more than its capacity while
    // appointments moved in and out, every acknowledged move has its event, every refusal met a full slot.
    const verdict = checkHistory(history.operations, await loadHistoryRecord(admin, { slotIds: slots.map((slot) => slot.id) }));
    expect(verdict.violations).toEqual([]);
    expect(verdict.refusalsChecked).toBeGreaterThan(100);
    // Every move answered 200 has its event, and no event lacks its answer.
    const { rows: events } = await admin.query<{ appointment_id: string; to_slot: string }>(
      `SELECT appointment_id, payload->>'to_slot_id' AS to_slot FROM event_logs WHERE event_type = 'APPOINTMENT_RESCHEDULED' ORDER BY id`,
    );
    const key = (move: { id: string; to: string }): string => `${move.id}>${move.to}`;
    const recorded = events.map((event) => key({ id: event.appointment_id, to: event.to_slot }));
    const unknown = new Set(movesOfUnknownFate.map(key));
    expect(recorded.filter((move) => !unknown.has(move)).sort()).toEqual(movesAnswered200.map(key).sort());
    // Each mover is in the slot its last successful move named, cancelled or not.
    const { rows: finals } = await admin.query<{ id: string; slot_id: string; status: string }>(
      `SELECT id, slot_id, status::text FROM appointments WHERE id = ANY ($1::uuid[])`,
      [movers.map((mover) => mover.id)],
    );
    expect(new Map(finals.map((row) => [row.id, row.slot_id]))).toEqual(new Map(movers.map((mover) => [mover.id, mover.slot])));
    expect(finals.filter((row) => row.status === "cancelled").map((row) => row.id).sort()).toEqual([...cancelled].sort());
    // And the slots, counted from the tables, are at most full.
    const { rows: fullness } = await admin.query<{ id: string; capacity: number; occupants: number }>(
      `SELECT s.id, s.capacity, count(a.id) FILTER (WHERE a.status NOT IN ('cancelled', 'expired'))::int AS occupants
         FROM appointment_slots s LEFT JOIN appointments a ON a.slot_id = s.id GROUP BY s.id, s.capacity`,
    );
    expect(fullness.filter((slot) => slot.occupants > slot.capacity)).toEqual([]);
    expect(fullness.filter((slot) => slot.occupants === slot.capacity).length).toBeGreaterThan(0);
  }, 120_000);
});
