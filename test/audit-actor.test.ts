import { setTimeout as sleep } from "node:timers/promises";
import { runner } from "node-pg-migrate";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { migrate, migrationsDir } from "../src/adapters/postgres/migrate.js";
import { anonymousCaller, type Caller } from "../src/core/access/caller.js";
import { SchedError } from "../src/core/errors.js";
import type { Appointments } from "../src/core/services/appointments.js";
import { BookingFixture, cleanAudit } from "./support/booking-fixture.js";
import { createTestDatabase } from "./support/database.js";

// Every audit event names who caused it: the caller for creates, confirmations
// and cancellations, the system for every expiry.

let fixture: BookingFixture;
let appointments: Appointments;
let patients: Caller[];
const staff: Caller = { subject: "front-desk-7", role: "staff" };
const service: Caller = { subject: "billing-sync", role: "service" };

beforeAll(async () => {
  fixture = await BookingFixture.create("audit_actor", 60);
  patients = fixture.patientIds.map((id) => ({ subject: id, role: "patient" }));
  appointments = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }) });
});

// The audit runs after each test, so that a broken invariant fails the test
// that broke it (a failure in afterAll would fail only the file).
afterEach(async () => {
  expect(await fixture.audit()).toEqual(cleanAudit);
});

afterAll(async () => {
  await fixture.close();
});

function actorsOf(id: string, caller: Caller = staff): Promise<string[]> {
  return appointments
    .listEvents(caller, id)
    .then((events) => events.map((event) => `${event.eventType} ${event.actor.role}:${event.actor.subject}`));
}

/** Books for the patient itself, retrying while the slot lock says another booking is under way. */
async function bookUntilAnswered(patient: Caller, slotId: string): Promise<string> {
  for (;;) {
    try {
      await appointments.create(patient, { slotId, patientId: patient.subject });
      return "booked";
    } catch (error) {
      if (!(error instanceof SchedError)) throw error;
      if (error.code !== "slot_being_booked") return error.code;
      await sleep(1 + Math.random() * 10);
    }
  }
}

describe("the actor of each event", () => {
  it("is the caller that created, confirmed and cancelled, as ListAppointmentEvents shows it", async () => {
    const [slotId] = await fixture.slots(1);
    const patient = patients[0]!;
    const hold = await appointments.create(patient, { slotId, patientId: patient.subject });
    await appointments.confirm(staff, hold.id);
    await appointments.cancel(service, hold.id);
    expect(await actorsOf(hold.id, patient)).toEqual([
      `APPOINTMENT_CREATED patient:${patient.subject}`,
      "APPOINTMENT_CONFIRMED staff:front-desk-7",
      "APPOINTMENT_CANCELLED service:billing-sync",
    ]);
  });

  it("of a retried confirmation or cancellation stays the first one's: a change that did not happen records nobody", async () => {
    const [slotId] = await fixture.slots(1);
    const patient = patients[1]!;
    const hold = await appointments.create(patient, { slotId, patientId: patient.subject });
    await appointments.confirm(patient, hold.id);
    await appointments.confirm(staff, hold.id);
    await appointments.cancel(staff, hold.id);
    await appointments.cancel(patient, hold.id);
    expect(await actorsOf(hold.id)).toEqual([
      `APPOINTMENT_CREATED patient:${patient.subject}`,
      `APPOINTMENT_CONFIRMED patient:${patient.subject}`,
      "APPOINTMENT_CANCELLED staff:front-desk-7",
    ]);
  });

  it("is the anonymous caller, in a role of its own that no token can claim, on a server without authentication", async () => {
    const [slotId] = await fixture.slots(1);
    const hold = await appointments.create(anonymousCaller, { slotId, patientId: fixture.patientIds[2] });
    expect(await actorsOf(hold.id)).toEqual(["APPOINTMENT_CREATED anonymous:anonymous"]);
  });

  it("of an expiry is the system, whether the expiry worker or a later booking of the slot noticed it", async () => {
    const shortHolds = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), holdTtlMs: 200 });
    const [byWorker, byBooking] = await fixture.slots(2);
    const first = await shortHolds.create(patients[3]!, { slotId: byWorker, patientId: fixture.patientIds[3] });
    const second = await shortHolds.create(patients[4]!, { slotId: byBooking, patientId: fixture.patientIds[4] });
    await sleep(Math.max(first.expiresAt!.getTime(), second.expiresAt!.getTime()) - Date.now() + 50);

    await appointments.create(staff, { slotId: byBooking, patientId: fixture.patientIds[5] });
    await fixture.expiry().expireLapsedHolds();
    expect(await actorsOf(first.id)).toEqual([`APPOINTMENT_CREATED patient:${fixture.patientIds[3]}`, "APPOINTMENT_EXPIRED system:system"]);
    expect(await actorsOf(second.id)).toEqual([`APPOINTMENT_CREATED patient:${fixture.patientIds[4]}`, "APPOINTMENT_EXPIRED system:system"]);
    const { rows } = await fixture.admin.query(
      `SELECT payload->>'reason' AS reason FROM event_logs WHERE event_type = 'APPOINTMENT_EXPIRED' AND appointment_id = ANY($1) ORDER BY appointment_id = $2`,
      [[first.id, second.id], first.id],
    );
    expect(rows.map((row) => row.reason)).toEqual(["lapsed", "expiry_worker"]);
  });

  it("is each booking's own caller under 40 patients racing for one slot of capacity 5", async () => {
    const [slotId] = await fixture.slots(1, 5);
    const racers = patients.slice(10, 50);
    const outcomes = await Promise.all(racers.map((patient) => bookUntilAnswered(patient, slotId!)));
    expect(outcomes.filter((outcome) => outcome === "booked")).toHaveLength(5);
    expect(new Set(outcomes)).toEqual(new Set(["booked", "slot_already_booked"]));
    const { rows } = await fixture.admin.query(
      `SELECT count(*)::int AS created,
              count(*) FILTER (WHERE e.actor_role = 'patient' AND e.actor_subject = a.patient_id::text)::int AS by_their_patient
         FROM event_logs e JOIN appointments a ON a.id = e.appointment_id
        WHERE a.slot_id = $1 AND e.event_type = 'APPOINTMENT_CREATED'`,
      [slotId],
    );
    expect(rows[0]).toEqual({ created: 5, by_their_patient: 5 });
  });

  it("is checked by the schema (a role of patient, staff, service, anonymous, system), which records an event written without one (by a previous release) as system/unknown-before-0003", async () => {
    const [slotId] = await fixture.slots(1);
    const hold = await appointments.create(staff, { slotId, patientId: fixture.patientIds[6] });
    const insert = (columns: string, values: string) =>
      fixture.admin.query(
        `INSERT INTO event_logs (appointment_id, event_type${columns}) VALUES ($1, 'APPOINTMENT_CONFIRMED'${values}) RETURNING id, actor_role, actor_subject`,
        [hold.id],
      );
    // What a server of the release before 0003 writes during a rolling deploy;
    // removed again, so that the whole-log checks below see only this release's events.
    const { rows } = await insert("", "");
    expect(rows[0]).toMatchObject({ actor_role: "system", actor_subject: "unknown-before-0003" });
    await fixture.admin.query(`DELETE FROM event_logs WHERE id = $1`, [rows[0].id]);
    await expect(insert(", actor_subject, actor_role", ", NULL, 'staff'")).rejects.toMatchObject({ code: "23502" });
    expect((await insert(", actor_subject, actor_role", ", 'anonymous', 'anonymous'")).rows[0]).toMatchObject({ actor_role: "anonymous" });
    await fixture.admin.query(`DELETE FROM event_logs WHERE appointment_id = $1 AND event_type = 'APPOINTMENT_CONFIRMED'`, [hold.id]);
    await expect(insert(", actor_subject, actor_role", ", 'root', 'admin'")).rejects.toMatchObject({
      constraint: "event_logs_actor_role_known",
    });
    await expect(insert(", actor_subject, actor_role", ", ' ', 'staff'")).rejects.toMatchObject({
      constraint: "event_logs_actor_subject_present",
    });
  });
});

describe("the audit log as a whole", () => {
  it("has an actor on every row, the system on every expiry and a caller on every other change", async () => {
    const { rows } = await fixture.admin.query(
      `SELECT count(*) FILTER (WHERE actor_subject IS NULL OR actor_role IS NULL)::int AS without_actor,
              count(*) FILTER (WHERE event_type = 'APPOINTMENT_EXPIRED' AND (actor_role, actor_subject) <> ('system', 'system'))::int AS expiries_not_by_system,
              count(*) FILTER (WHERE event_type <> 'APPOINTMENT_EXPIRED' AND actor_role = 'system')::int AS changes_by_system,
              count(*) FILTER (WHERE actor_subject = 'unknown-before-0003')::int AS by_the_default,
              count(*)::int AS events
         FROM event_logs`,
    );
    expect(rows[0]).toEqual({ without_actor: 0, expiries_not_by_system: 0, changes_by_system: 0, by_the_default: 0, events: expect.any(Number) });
    const { rows: byActor } = await fixture.admin.query(
      `SELECT event_type::text, actor_role, count(*)::int AS n FROM event_logs GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(byActor).toEqual([
      { event_type: "APPOINTMENT_CANCELLED", actor_role: "service", n: 1 },
      { event_type: "APPOINTMENT_CANCELLED", actor_role: "staff", n: 1 },
      { event_type: "APPOINTMENT_CONFIRMED", actor_role: "patient", n: 1 },
      { event_type: "APPOINTMENT_CONFIRMED", actor_role: "staff", n: 1 },
      { event_type: "APPOINTMENT_CREATED", actor_role: "anonymous", n: 1 },
      { event_type: "APPOINTMENT_CREATED", actor_role: "patient", n: 9 },
      { event_type: "APPOINTMENT_CREATED", actor_role: "staff", n: 2 },
      { event_type: "APPOINTMENT_EXPIRED", actor_role: "system", n: 2 },
    ]);
  });
});

describe("migration 0003", () => {
  it("backfills the events written before it: expiries as system/system, the rest as system/unknown-before-0003", async () => {
    const database = await createTestDatabase("audit_actor_backfill");
    const pool = new pg.Pool({ connectionString: database.dsn, max: 2 });
    try {
      await runner({
        databaseUrl: database.dsn,
        dir: migrationsDir,
        direction: "up",
        count: 2,
        migrationsTable: "pgmigrations",
        singleTransaction: true,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      await pool.query(
        `WITH clinician AS (INSERT INTO clinicians (name) VALUES ('Dr Before') RETURNING id),
              patient AS (INSERT INTO patients (name) VALUES ('Before') RETURNING id),
              slot AS (
                INSERT INTO appointment_slots (clinician_id, start_time, end_time)
                SELECT id, '2031-01-01T09:00:00Z', '2031-01-01T09:30:00Z' FROM clinician RETURNING id
              ),
              held AS (
                INSERT INTO appointments (slot_id, patient_id, status)
                SELECT slot.id, patient.id, 'confirmed' FROM slot, patient RETURNING id
              )
         INSERT INTO event_logs (appointment_id, event_type)
         SELECT id, kind::appointment_event_type FROM held, unnest(ARRAY['APPOINTMENT_CREATED', 'APPOINTMENT_EXPIRED']) kind`,
      );
      expect((await migrate(database.dsn)).applied).toContain("0003_event-actor");
      const { rows } = await pool.query(`SELECT event_type::text, actor_role, actor_subject FROM event_logs ORDER BY id`);
      expect(rows).toEqual([
        { event_type: "APPOINTMENT_CREATED", actor_role: "system", actor_subject: "unknown-before-0003" },
        { event_type: "APPOINTMENT_EXPIRED", actor_role: "system", actor_subject: "system" },
      ]);
      const { rows: defaults } = await pool.query(
        `SELECT column_name, column_default, is_nullable FROM information_schema.columns
          WHERE table_name = 'event_logs' AND column_name LIKE 'actor%' ORDER BY column_name`,
      );
      // Kept for the servers of the previous release that write events during a rolling deploy.
      expect(defaults).toEqual([
        { column_name: "actor_role", column_default: "'system'::text", is_nullable: "NO" },
        { column_name: "actor_subject", column_default: "'unknown-before-0003'::text", is_nullable: "NO" },
      ]);
    } finally {
      await pool.end();
      await database.drop();
    }
  });
});
