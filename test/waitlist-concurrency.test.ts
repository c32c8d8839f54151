import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { auditInvariants } from "../src/adapters/postgres/tooling/audit-invariants.js";
import { auditWaitlist, cleanWaitlistAudit } from "../src/adapters/postgres/tooling/audit-waitlist.js";
import { cleanAudit } from "./support/booking-fixture.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall, type RestAnswer } from "./support/e2e-rest.js";
import { spawnSched, startServerProcess, type SchedChild, type ServerProcess } from "./support/sched-process.js";

/*
 * The waiting list under fire: three `sched serve` processes and two
 * `sched expiry-worker`s on one database, 20 slots (capacity 1 and 2), every
 * place booked at the start. Then at once: the first bookings are cancelled,
 * 200 patients join the waiting list (for a slot, or for a clinician's
 * window), 200 others book the same slots directly and cancel some of what
 * they get, and waiters decline or accept their offers, while holds and
 * offers lapse (APPOINTMENT_TTL 1 s, WAITLIST_OFFER_TTL 1.5 s) and both
 * workers expire them, each expiry offering its place to the next entry.
 * When the load stops, offers are accepted until no hold is pending, and the
 * tables are audited: no slot over capacity, every offer with its events, no
 * entry offered twice, every entry in step with its offer, and no free place
 * while an eligible entry waits.
 */

const slotCount = 20;
let database: TestDatabase;
let admin: pg.Pool;
const servers: ServerProcess[] = [];
const workers: SchedChild[] = [];
let clinicianId: string;
let slots: { id: string; capacity: number; start: Date }[];
let patients: string[];

const env = (dsn: string) => ({
  POSTGRES_DSN: dsn,
  MAX_ACTIVE_HOLDS_PER_PATIENT: "0",
  RATE_LIMIT_POINTS: "0",
  APPOINTMENT_TTL: "1s",
  WAITLIST_OFFER_TTL: "1500ms",
});

beforeAll(async () => {
  database = await createTestDatabase("waitlist_concurrency");
  await migrate(database.dsn);
  admin = new pg.Pool({ connectionString: database.dsn, max: 4 });
  clinicianId = (await admin.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Queue') RETURNING id`)).rows[0]!.id;
  slots = (
    await admin.query<{ id: string; capacity: number; start: Date }>(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
       SELECT $1, timestamptz '2037-03-02T08:00:00Z' + n * interval '30 minutes', timestamptz '2037-03-02T08:30:00Z' + n * interval '30 minutes',
              1 + n % 2
         FROM generate_series(0, $2 - 1) n ORDER BY n RETURNING id, capacity, start_time AS start`,
      [clinicianId, slotCount],
    )
  ).rows;
  patients = (
    await admin.query<{ id: string }>(`INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, 440) n RETURNING id`)
  ).rows.map((row) => row.id);
  const settings = env(database.dsn);
  servers.push(...(await Promise.all([0, 1, 2].map(() => startServerProcess(settings)))));
  for (const name of ["worker-1", "worker-2"]) {
    workers.push(spawnSched(["expiry-worker", "--worker-interval", "100ms"], { env: settings, name, keepChars: 256 * 1024 }));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all([...servers.map((server) => server.stop("SIGKILL")), ...workers.map((worker) => worker.stop("SIGKILL"))]);
  await admin?.end();
  await database?.drop();
});

let calls = 0;
const answers = new Map<string, number>();

// What a loaded machine does to a connection now and then: a keep-alive
// socket closed as a request went out, a reset, a refused connect.
const connectionLost = new Set(["UND_ERR_SOCKET", "ECONNRESET", "ECONNREFUSED"]);

/**
 * One REST call through the next server, retried while another request books
 * the slot; each answer is tallied by what it was. A call whose connection
 * was lost is repeated on the next server: every call here is safe to repeat
 * (a booking carries an Idempotency-Key, a cancel or a confirmation repeated
 * answers the same, a join repeated is refused as waitlist_entry_exists).
 */
async function call(what: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<RestAnswer> {
  for (let attempt = 1; ; attempt += 1) {
    const server = servers[calls++ % servers.length]!;
    const answer = await restCall(server.url, method, path, body, headers).catch((error: unknown) => {
      if (attempt < 5 && connectionLost.has((error as { cause?: { code?: string } }).cause?.code ?? "")) return undefined;
      throw error;
    });
    // A 503 is PostgreSQL too slow for POSTGRES_QUERY_TIMEOUT on a machine this busy: nothing was done, or the repeat says so.
    if (answer === undefined || answer.body?.error === "slot_being_booked" || (answer.status === 503 && attempt < 5)) {
      await sleep(1 + Math.random() * 10);
      continue;
    }
    const key = `${what} ${answer.status} ${answer.body?.error ?? ""}`.trim();
    answers.set(key, (answers.get(key) ?? 0) + 1);
    return answer;
  }
}

const pick = <T,>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function offeredHolds(): Promise<string[]> {
  const { rows } = await admin.query<{ appointment_id: string }>(
    `SELECT w.appointment_id FROM waitlist_entries w JOIN appointments a ON a.id = w.appointment_id
      WHERE w.status = 'offered' AND a.status = 'pending' AND a.expires_at > now()`,
  );
  return rows.map((row) => row.appointment_id);
}

describe("3 servers and 2 expiry workers: cancels, direct bookings, joins and lapsing offers at once", () => {
  it("gives each freed place to exactly one waiter or booking, offers every place a waiter could take, and records every offer", async () => {
    const places = slots.flatMap((slot) => Array.from({ length: slot.capacity }, () => slot.id));
    // One at a time, so that each hold is confirmed well within its 1 s.
    const first: string[] = [];
    for (const [index, slotId] of places.entries()) {
      const booked = await call("setup", "POST", "/appointments", { slot_id: slotId, patient_id: patients[index] });
      expect(booked.status, booked.text).toBe(201);
      const confirmed = await call("setup", "POST", `/appointments/${booked.body.id}/confirm`, {});
      expect(confirmed.status, confirmed.text).toBe(200);
      first.push(booked.body.id as string);
    }
    const joiners = patients.slice(40, 240);
    const bookers = patients.slice(240, 440);
    let loading = true;

    const cancelling = first.map(async (id) => {
      await sleep(Math.random() * 3_000);
      await call("cancel", "POST", `/appointments/${id}/cancel`, {});
    });
    // Nobody waits for the last three slots, so that places freed there go to direct bookings whatever the
    // timing: the run then always has both kinds of taker, which its last checks ask for.
    const waitedFor = slots.slice(0, slotCount - 3);
    const joining = joiners.map(async (patientId, index) => {
      await sleep(Math.random() * 3_000);
      // Every fifth waits for a window of the clinician's calendar covering four slots.
      const body =
        index % 5 === 0
          ? (() => {
              const from = pick(waitedFor.slice(0, waitedFor.length - 3)).start;
              return { patient_id: patientId, clinician_id: clinicianId, from: from.toISOString(), to: new Date(from.getTime() + 2 * 3_600_000).toISOString() };
            })()
          : { patient_id: patientId, slot_id: pick(waitedFor).id };
      await call("join", "POST", "/waitlist", body);
    });
    const booking = bookers.map(async (patientId) => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await sleep(Math.random() * 1_500);
        const booked = await call("book", "POST", "/appointments", { slot_id: pick(slots).id, patient_id: patientId }, { "idempotency-key": randomUUID() });
        if (booked.status !== 201) continue;
        if (Math.random() < 0.5) await call("cancel", "POST", `/appointments/${booked.body.id}/cancel`, {});
        else if (Math.random() < 0.5) await call("confirm", "POST", `/appointments/${booked.body.id}/confirm`, {});
        return;
      }
    });
    // Waiters answering their offers while the load runs: some decline, some accept (and half of those
    // cancel later, freeing the place again); the rest let them lapse.
    const answered = new Set<string>();
    const later: Promise<unknown>[] = [];
    const answering = (async () => {
      while (loading) {
        for (const id of await offeredHolds()) {
          if (answered.has(id)) continue;
          answered.add(id);
          const choice = Math.random();
          if (choice < 0.35) {
            await call("decline", "POST", `/appointments/${id}/cancel`, {});
          } else if (choice < 0.7) {
            const accepted = await call("accept", "POST", `/appointments/${id}/confirm`, {});
            if (accepted.status === 200 && Math.random() < 0.5) {
              later.push(sleep(Math.random() * 500).then(() => call("cancel", "POST", `/appointments/${id}/cancel`, {})));
            }
          }
        }
        await sleep(20);
      }
    })();
    await Promise.all([...cancelling, ...joining, ...booking]);
    loading = false;
    await answering;
    await Promise.all(later);

    // The load is over: accept what is offered until no hold is pending, so that nothing lapses while the tables are read.
    const settleBy = Date.now() + 15_000;
    for (;;) {
      for (const id of await offeredHolds()) await call("accept", "POST", `/appointments/${id}/confirm`, {});
      const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM appointments WHERE status = 'pending'`);
      if (rows[0]!.n === 0) break;
      expect(Date.now(), "holds still pending after the load").toBeLessThan(settleBy);
      await sleep(100);
    }

    // No process logged a deadlock or a failure other than a statement cut short by POSTGRES_QUERY_TIMEOUT
    // on a loaded machine (its request was repeated, its expiry batch runs again).
    const lines = [
      ...servers.flatMap((server) => server.logLines().map((line) => JSON.stringify(line))),
      ...workers.flatMap((worker) => worker.output().split("\n")),
    ];
    const failures = lines.filter((line) => /deadlock|40P01/i.test(line) || (/"level":(50|60)|"err"/.test(line) && !/statement timeout/.test(line)));
    expect(failures).toEqual([]);

    const allowed =
      /^(setup (200|201)|cancel 200|cancel 409 invalid_status_transition|join 201|join 409 waitlist_entry_exists|book 201|book 409 slot_already_booked|confirm 200|confirm 409 appointment_expired|decline 200|decline 409 invalid_status_transition|accept 200|accept 409 appointment_expired)$/;
    expect([...answers.keys()].filter((key) => !allowed.test(key))).toEqual([]);
    expect(await auditInvariants(admin)).toEqual(cleanAudit);
    expect(await auditWaitlist(admin, { holdCap: 0 })).toEqual(cleanWaitlistAudit);

    const { rows: outcomes } = await admin.query<{ status: string; n: number }>(`SELECT status::text, count(*)::int AS n FROM waitlist_entries GROUP BY status`);
    const count = new Map(outcomes.map((row) => [row.status, row.n]));
    // The run exercised what it claims to: offers made, accepted and lapsed, by cancels and by both workers' expiries.
    expect(count.get("accepted") ?? 0).toBeGreaterThan(0);
    expect(count.get("lapsed") ?? 0).toBeGreaterThan(0);
    const { rows: expiries } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_logs e JOIN appointments a ON a.id = e.appointment_id
        WHERE e.event_type = 'APPOINTMENT_EXPIRED' AND a.waitlist_entry_id IS NOT NULL`,
    );
    expect(expiries[0]!.n).toBeGreaterThan(0);
    expect((answers.get("join 201") ?? 0) + (answers.get("join 409 waitlist_entry_exists") ?? 0)).toBe(joiners.length);
    expect((answers.get("cancel 200") ?? 0) + (answers.get("decline 200") ?? 0)).toBeGreaterThan(40);
    expect(answers.get("book 201") ?? 0).toBeGreaterThan(0);
    expect(answers.get("book 409 slot_already_booked") ?? 0).toBeGreaterThan(100);
  }, 90_000);
});
