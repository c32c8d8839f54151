import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { auditInvariants } from "../src/adapters/postgres/tooling/audit-invariants.js";
import { cleanAudit } from "./support/booking-fixture.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall, type RestAnswer } from "./support/e2e-rest.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

/*
 * Staff overbookings racing ordinary bookings for the last place: three
 * `sched serve` processes whose Redis is away (so no slot lock orders the
 * bookings, as after a lock expired), 20 full-to-be slots of capacity 1, and
 * on each at once 8 patients booking, a staff booking and a staff move into
 * it, both with an overbooking reason and OVERBOOK_LIMIT 2. Whoever wins the
 * ordinary place, both staff requests fit: each must be admitted, as an
 * ordinary place or an overbooked one, never refused as a full slot. The run
 * ends with the tables: one ordinary occupant per slot, the staff
 * appointments there, the events saying what each place was and what
 * occupancy an overbooking met, and the invariant audit.
 */

const slotCount = 20;
const patientsPerSlot = 8;
let database: TestDatabase;
let admin: pg.Pool;
const servers: ServerProcess[] = [];
let targets: string[];
let movers: string[];
let patients: string[];

beforeAll(async () => {
  database = await createTestDatabase("overbooking_race");
  await migrate(database.dsn);
  admin = new pg.Pool({ connectionString: database.dsn, max: 4 });
  const clinician = (await admin.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Race') RETURNING id`)).rows[0]!.id;
  const slots = (
    await admin.query<{ id: string }>(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
       SELECT $1, timestamptz '2037-03-02T08:00:00Z' + n * interval '30 minutes', timestamptz '2037-03-02T08:30:00Z' + n * interval '30 minutes', 1
         FROM generate_series(0, $2 - 1) n ORDER BY n RETURNING id`,
      [clinician, slotCount * 2],
    )
  ).rows.map((row) => row.id);
  targets = slots.slice(0, slotCount);
  patients = (
    await admin.query<{ id: string }>(
      `INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, $1) n RETURNING id`,
      [slotCount * (patientsPerSlot + 2)],
    )
  ).rows.map((row) => row.id);
  const env = {
    POSTGRES_DSN: database.dsn,
    REDIS_URL: "redis://127.0.0.1:1",
    OVERBOOK_LIMIT: "2",
    MAX_ACTIVE_HOLDS_PER_PATIENT: "0",
    RATE_LIMIT_POINTS: "0",
  };
  servers.push(...(await Promise.all([0, 1, 2].map(() => startServerProcess(env)))));
  // One confirmed appointment on each spare slot, for staff to move.
  movers = await Promise.all(
    slots.slice(slotCount).map(async (slot, index) => {
      const hold = await restCall(servers[0]!.url, "POST", "/appointments", { slot_id: slot, patient_id: patients[slotCount * (patientsPerSlot + 1) + index] });
      expect(hold.status, hold.text).toBe(201);
      await restCall(servers[0]!.url, "POST", `/appointments/${hold.body.id}/confirm`, {});
      return hold.body.id as string;
    }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop("SIGKILL")));
  await admin?.end();
  await database?.drop();
});

describe("staff overbookings racing bookings for the last place, 3 servers without a slot lock", () => {
  it("admits every staff booking and move, as an ordinary or an overbooked place, and fills each slot exactly", async () => {
    let calls = 0;
    const post = (path: string, body: unknown): Promise<RestAnswer> => restCall(servers[calls++ % servers.length]!.url, "POST", path, body);
    const staffBookings: { slot: string; answer: Promise<RestAnswer> }[] = [];
    const staffMoves: { slot: string; id: string; answer: Promise<RestAnswer> }[] = [];
    const ordinary: Promise<RestAnswer>[] = [];
    for (const [index, slot] of targets.entries()) {
      const own = patients.slice(index * (patientsPerSlot + 1), (index + 1) * (patientsPerSlot + 1));
      for (const patient of own.slice(0, patientsPerSlot)) ordinary.push(post("/appointments", { slot_id: slot, patient_id: patient }));
      staffBookings.push({ slot, answer: post("/appointments", { slot_id: slot, patient_id: own[patientsPerSlot], overbook_reason: "urgent" }) });
      staffMoves.push({ slot, id: movers[index]!, answer: post(`/appointments/${movers[index]}/reschedule`, { slot_id: slot, overbook_reason: "moved for surgery" }) });
    }
    const tally = (answers: RestAnswer[]): Record<string, number> =>
      answers.reduce<Record<string, number>>((counts, answer) => {
        const key = `${answer.status} ${answer.body?.error ?? ""}`.trim();
        return { ...counts, [key]: (counts[key] ?? 0) + 1 };
      }, {});
    const booked = await Promise.all(staffBookings.map((request) => request.answer));
    const moved = await Promise.all(staffMoves.map((request) => request.answer));
    const patientAnswers = await Promise.all(ordinary);

    expect(tally(booked)).toEqual({ "201": slotCount });
    expect(tally(moved)).toEqual({ "200": slotCount });
    expect(Object.keys(tally(patientAnswers)).filter((key) => !["201", "409 slot_already_booked"].includes(key))).toEqual([]);

    // The tables: one ordinary occupant per slot, the staff appointments in it, the rest overbooked.
    const { rows } = await admin.query<{ slot: string; ordinary: number; overbooked: number }>(
      `SELECT s.id AS slot,
              count(a.id) FILTER (WHERE NOT a.overbooked)::int AS ordinary,
              count(a.id) FILTER (WHERE a.overbooked)::int AS overbooked
         FROM appointment_slots s JOIN appointments a ON a.slot_id = s.id AND a.status NOT IN ('cancelled', 'expired')
        WHERE s.id = ANY ($1::uuid[]) GROUP BY s.id`,
      [targets],
    );
    expect(rows).toHaveLength(slotCount);
    for (const slot of rows) expect({ ordinary: slot.ordinary, overbooked: slot.overbooked <= 2 }, slot.slot).toEqual({ ordinary: 1, overbooked: true });
    const staffIds = [...booked.map((answer) => answer.body.id as string), ...staffMoves.map((move) => move.id)];
    const placed = await admin.query<{ id: string; slot_id: string; overbooked: boolean }>(`SELECT id, slot_id, overbooked FROM appointments WHERE id = ANY ($1::uuid[])`, [
      staffIds,
    ]);
    const expected = [...booked.map((answer, index) => [answer.body.id, targets[index]]), ...staffMoves.map((move) => [move.id, move.slot])];
    expect(placed.rows.map((row) => [row.id, row.slot_id]).sort()).toEqual(expected.sort());
    // What each answer said is what the row is.
    const marker = new Map(placed.rows.map((row) => [row.id, row.overbooked]));
    expect([...booked, ...moved].filter((answer) => answer.body.overbooked !== marker.get(answer.body.id))).toEqual([]);

    // Every place's event says what it is, and an overbooking the full slot it met.
    const events = await admin.query<{ appointment_id: string; overbooked: boolean; occupants: number | null; capacity: number | null }>(
      `SELECT DISTINCT ON (appointment_id) appointment_id, coalesce((payload->>'overbooked')::boolean, false) AS overbooked,
              (payload->>'occupants')::int AS occupants, (payload->>'capacity')::int AS capacity
         FROM event_logs WHERE appointment_id = ANY ($1::uuid[]) AND event_type IN ('APPOINTMENT_CREATED', 'APPOINTMENT_RESCHEDULED')
        ORDER BY appointment_id, id DESC`,
      [staffIds],
    );
    expect(events.rows.filter((event) => event.overbooked !== marker.get(event.appointment_id))).toEqual([]);
    expect(events.rows.filter((event) => event.overbooked && !(event.occupants! >= event.capacity!))).toEqual([]);
    expect(await auditInvariants(admin)).toEqual(cleanAudit);
  }, 60_000);
});
