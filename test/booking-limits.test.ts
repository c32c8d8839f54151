import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createHold } from "../src/adapters/postgres/sql/create-hold.js";
import { translated } from "../src/adapters/postgres/translate-error.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall, type RestAnswer } from "./support/e2e-rest.js";
import { sleep } from "./support/eventually.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";
import { authEnv, bearer, token } from "./support/tokens.js";

/*
 * What one patient may hold and what may be booked at all, against three
 * `sched serve` processes on one database, so that the limits are proven to
 * hold across instances and not only inside one process: a patient holds at
 * most MAX_ACTIVE_HOLDS_PER_PATIENT (3 by default) unexpired holds, whoever
 * made them; a slot that has started cannot be booked; and slots far in the
 * past, beyond the horizon, or longer than a day cannot be created.
 */

const cap = 3;
let database: TestDatabase;
let admin: pg.Pool;
const servers: ServerProcess[] = [];
let staff: Record<string, string>;
let clinicianId: string;
let nextStart = Date.parse("2031-06-02T08:00:00Z");

beforeAll(async () => {
  database = await createTestDatabase("booking_limits");
  await migrate(database.dsn);
  admin = new pg.Pool({ connectionString: database.dsn, max: 2 });
  // The default cap and horizon, as production runs them; no rate limit, so
  // that a burst is refused only by what this file is about.
  const env = { POSTGRES_DSN: database.dsn, RATE_LIMIT_POINTS: "0", SLOT_HORIZON_DAYS: "730", ...authEnv };
  servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env), startServerProcess(env)])));
  staff = bearer(await token({ role: "staff", sub: "front-desk-7" }));
  const clinician = await rest(0, "POST", "/clinicians", staff, { name: "Dr Limits" });
  clinicianId = clinician.body.id;
}, 60_000);

afterAll(async () => {
  for (const server of servers) process.kill(server.pid, "SIGKILL");
  await Promise.all(servers.map((server) => server.exited));
  await admin?.end();
  await database?.drop();
});

/**
 * One call to the given server, repeated while the answer is slot_being_booked,
 * as a client is told to: the calls here go one after another to different
 * servers, and the slot lock a call released just before may still be taken
 * when Redis reads the next server's request first.
 */
async function rest(server: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<RestAnswer> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await restCall(servers[server % servers.length]!.url, method, path, body, headers);
    if (answer.body?.error !== "slot_being_booked" || attempt === 5) return answer;
    await sleep(20 * attempt);
  }
}

async function newPatient(name: string): Promise<{ id: string; headers: Record<string, string> }> {
  const created = await rest(0, "POST", "/patients", staff, { name });
  expect(created.status).toBe(201);
  return { id: created.body.id, headers: bearer(await token({ role: "patient", sub: created.body.id })) };
}

/** Slots of the test calendar, inserted directly so that the test can date them anywhere. */
async function slotsAt(starts: Date[]): Promise<string[]> {
  const { rows } = await admin.query<{ id: string }>(
    `INSERT INTO appointment_slots (clinician_id, start_time, end_time)
     SELECT $1, start, start + interval '30 minutes' FROM unnest($2::timestamptz[]) WITH ORDINALITY AS s(start, n)
     ORDER BY n RETURNING id`,
    [clinicianId, starts],
  );
  return rows.map((row) => row.id);
}

async function futureSlots(count: number): Promise<string[]> {
  const starts = Array.from({ length: count }, () => new Date((nextStart += 30 * 60_000)));
  return slotsAt(starts);
}

describe("MAX_ACTIVE_HOLDS_PER_PATIENT", () => {
  it("lets 40 parallel bookings by one patient over three servers hold exactly the cap, the rest too_many_holds", async () => {
    const patient = await newPatient("Greedy");
    const slotIds = await futureSlots(40);
    const answers = await Promise.all(
      slotIds.map((slotId, index) => rest(index, "POST", "/appointments", patient.headers, { slot_id: slotId, patient_id: patient.id })),
    );
    const created = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(created).toHaveLength(cap);
    expect(refused.map((answer) => [answer.status, answer.body.error])).toEqual(refused.map(() => [409, "too_many_holds"]));

    // The audit: the database holds exactly the cap, each with its one creation event.
    const { rows } = await admin.query<{ holds: number; events: number }>(
      `SELECT (SELECT count(*) FROM appointments WHERE patient_id = $1 AND status = 'pending' AND expires_at > now())::int AS holds,
              (SELECT count(*) FROM event_logs e JOIN appointments a ON a.id = e.appointment_id
                WHERE a.patient_id = $1 AND e.event_type = 'APPOINTMENT_CREATED')::int AS events`,
      [patient.id],
    );
    expect(rows[0]).toEqual({ holds: cap, events: cap });
  });

  it("counts holds staff made for the patient, and frees a place when one is confirmed or cancelled", async () => {
    const patient = await newPatient("Busy");
    const slotIds = await futureSlots(cap + 3);
    const held: string[] = [];
    for (const slotId of slotIds.slice(0, cap)) {
      const answer = await rest(held.length, "POST", "/appointments", staff, { slot_id: slotId, patient_id: patient.id });
      expect(answer.status).toBe(201);
      held.push(answer.body.id);
    }
    const overByPatient = await rest(0, "POST", "/appointments", patient.headers, { slot_id: slotIds[cap], patient_id: patient.id });
    expect([overByPatient.status, overByPatient.body.error]).toEqual([409, "too_many_holds"]);
    const overByStaff = await rest(1, "POST", "/appointments", staff, { slot_id: slotIds[cap], patient_id: patient.id });
    expect([overByStaff.status, overByStaff.body.error]).toEqual([409, "too_many_holds"]);

    expect((await rest(2, "POST", `/appointments/${held[0]}/confirm`, patient.headers)).status).toBe(200);
    expect((await rest(0, "POST", "/appointments", patient.headers, { slot_id: slotIds[cap], patient_id: patient.id })).status).toBe(201);
    expect((await rest(1, "POST", `/appointments/${held[1]}/cancel`, patient.headers)).status).toBe(200);
    expect((await rest(2, "POST", "/appointments", patient.headers, { slot_id: slotIds[cap + 1], patient_id: patient.id })).status).toBe(201);
    const full = await rest(0, "POST", "/appointments", patient.headers, { slot_id: slotIds[cap + 2], patient_id: patient.id });
    expect(full.body.error).toBe("too_many_holds");

    const { rows } = await admin.query<{ status: string; n: number }>(
      "SELECT status::text, count(*)::int AS n FROM appointments WHERE patient_id = $1 GROUP BY status ORDER BY status",
      [patient.id],
    );
    expect(rows).toEqual([
      { status: "pending", n: cap },
      { status: "confirmed", n: 1 },
      { status: "cancelled", n: 1 },
    ].sort((a, b) => a.status.localeCompare(b.status)));
  });

  it("serialises one patient's bookings of different slots: a booking that counted before another committed is refused once it has", async () => {
    const patient = await newPatient("Racer");
    const slotIds = await futureSlots(cap + 1);
    const actor = { subject: "front-desk-7", role: "staff" } as const;
    const hold = (slotId: string) => ({ slotId, patientId: patient.id, ttlMs: 600_000, maxActiveHoldsPerPatient: cap });
    const first = await admin.connect();
    const second = await admin.connect();
    try {
      await first.query("BEGIN");
      for (const slotId of slotIds.slice(0, cap)) await createHold(first, actor, hold(slotId));
      // Its statement's snapshot cannot see the first transaction's holds: only the schema's recount can.
      const racing = translated(() => createHold(second, actor, hold(slotIds[cap]!)));
      const outcome = racing.then(() => "created", (error: { code?: string }) => error.code);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await first.query("COMMIT");
      expect(await outcome).toBe("too_many_holds");
    } finally {
      first.release();
      second.release();
    }
    const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM appointments WHERE patient_id = $1", [patient.id]);
    expect(rows[0]!.n).toBe(cap);
  });

  it("is enforced by the schema too: a hold inserted past the statement's own count is refused", async () => {
    const patient = await newPatient("Direct");
    const slotIds = await futureSlots(cap + 1);
    const client = await admin.connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT set_config('sched.max_active_holds_per_patient', $1, true)`, [String(cap)]);
      for (const slotId of slotIds.slice(0, cap)) {
        await client.query("INSERT INTO appointments (slot_id, patient_id, expires_at) VALUES ($1, $2, now() + interval '10 minutes')", [slotId, patient.id]);
      }
      await expect(
        client.query("INSERT INTO appointments (slot_id, patient_id, expires_at) VALUES ($1, $2, now() + interval '10 minutes')", [slotIds[cap], patient.id]),
      ).rejects.toMatchObject({ code: "23514", constraint: "appointments_patient_hold_cap" });
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });
});

describe("the past and the far future", () => {
  it("refuses to book a slot that has started, with slot_in_past", async () => {
    const patient = await newPatient("Late");
    const [started, earlier] = await slotsAt([new Date(Date.now() - 10 * 60_000), new Date("2001-01-01T09:00:00Z")]);
    for (const slotId of [started, earlier]) {
      const answer = await rest(0, "POST", "/appointments", patient.headers, { slot_id: slotId, patient_id: patient.id });
      expect([answer.status, answer.body.error]).toEqual([409, "slot_in_past"]);
    }
    const { rows } = await admin.query("SELECT id FROM appointments WHERE slot_id = ANY($1::uuid[])", [[started, earlier]]);
    expect(rows).toEqual([]);
  });

  it.each([
    ["in 2001", "2001-01-01T09:00:00Z", "2001-01-01T09:30:00Z", /more than a day in the past/],
    ["in the year 1", "0001-01-01T09:00:00Z", "0001-01-01T09:30:00Z", /more than a day in the past/],
    ["from 2100 to 2199", "2100-01-01T09:00:00Z", "2199-01-01T09:00:00Z", /longer than 24 hours/],
    ["in 2100", "2100-01-01T09:00:00Z", "2100-01-01T09:30:00Z", /beyond the booking horizon/],
    ["lasting 25 hours", "2031-07-01T09:00:00Z", "2031-07-02T10:00:00Z", /longer than 24 hours/],
  ])("refuses to create a slot %s with 400", async (_, start, end, details) => {
    const answer = await rest(0, "POST", "/slots", staff, { clinician_id: clinicianId, start_time: start, end_time: end });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: "invalid_time_range", details: expect.stringMatching(details) });
  });

  it("creates slots from a day ago to the horizon, lasting up to 24 hours", async () => {
    const hour = 60 * 60_000;
    const earliest = new Date(Date.now() - 23 * hour);
    const latest = new Date(Date.now() + 729 * 24 * hour);
    for (const [start, end] of [
      [earliest, new Date(earliest.getTime() + hour)],
      [latest, new Date(latest.getTime() + 24 * hour)],
    ] as const) {
      const answer = await rest(0, "POST", "/slots", staff, { clinician_id: clinicianId, start_time: start.toISOString(), end_time: end.toISOString() });
      expect(answer.status).toBe(201);
    }
  });
});
