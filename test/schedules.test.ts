import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { PostgresAppointmentStore } from "../src/adapters/postgres/postgres-appointment-store.js";
import { PostgresScheduleStore } from "../src/adapters/postgres/postgres-schedule-store.js";
import { anonymousCaller, type Caller } from "../src/core/access/caller.js";
import { silentLogger } from "../src/core/ports/logger.js";
import type { WeeklyRuleInput } from "../src/core/schedules/check-schedule.js";
import { HoldExpiry } from "../src/core/services/hold-expiry.js";
import { Schedules, type ScheduleInput } from "../src/core/services/schedules.js";
import { ExpiryLoop } from "../src/worker/expiry-loop.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { expectFailure } from "./support/expect-failure.js";

/*
 * Schedules against the real PostgreSQL: the slots a schedule makes, the
 * extension worker (twice, and several at once), regeneration that never
 * touches a booked slot, and the database's guards under concurrent bookings.
 * The clock is the service's own (`now`), set in 2027 so that every slot is
 * in the future for the database too.
 */

let database: TestDatabase;
let pool: pg.Pool;
let clock = Date.parse("2027-03-20T00:00:00Z");
const week = 7 * 24 * 3_600_000;
const horizonMs = 2 * week;
let schedules: Schedules;
let patientIds: string[];
const staff: Caller = { subject: "front-desk", role: "staff" };

function schedulesOn(onPool: pg.Pool): Schedules {
  return new Schedules({ store: new PostgresScheduleStore(onPool), horizonMs, now: () => clock });
}

beforeAll(async () => {
  database = await createTestDatabase("schedules");
  await migrate(database.dsn);
  pool = new pg.Pool({ connectionString: database.dsn, max: 20 });
  schedules = schedulesOn(pool);
  const { rows } = await pool.query<{ id: string }>(`INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, 400) n RETURNING id`);
  patientIds = rows.map((row) => row.id);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

async function newClinician(specialty = "cardiology"): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(`INSERT INTO clinicians (name, specialty) VALUES ('Dr Rule', $1) RETURNING id`, [specialty]);
  return rows[0]!.id;
}

const mornings: WeeklyRuleInput = { weekdays: ["MONDAY", "WEDNESDAY"], start: "09:00", end: "12:00", slotMinutes: 30, bufferMinutes: 0, capacity: 1 };

function londonSchedule(clinicianId: string, rules: WeeklyRuleInput[] = [mornings]): ScheduleInput {
  return { clinicianId, timeZone: "Europe/London", effectiveFrom: "2027-03-22", effectiveUntil: "2027-06-30", rules };
}

interface SlotLine {
  id: string;
  start: string;
  status: string;
  capacity: number;
  outside: boolean;
}

async function slotsOf(scheduleId: string): Promise<SlotLine[]> {
  const { rows } = await pool.query<SlotLine>(
    `SELECT id, to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS start, status::text AS status, capacity,
            outside_schedule_since IS NOT NULL AS outside
       FROM appointment_slots WHERE schedule_id = $1 ORDER BY start_time, status`,
    [scheduleId],
  );
  return rows;
}

const live = (slots: SlotLine[]) => slots.filter((slot) => slot.status !== "deleted");

async function book(slotId: string, patientId: string): Promise<void> {
  await pool.query(`INSERT INTO appointments (slot_id, patient_id, status) VALUES ($1, $2, 'confirmed')`, [slotId, patientId]);
}

describe("creating a schedule", () => {
  it("makes its slots up to the horizon before answering, in local wall-clock time across the change to BST", async () => {
    const clinicianId = await newClinician();
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId));
    expect(schedule).toMatchObject({ clinicianId, timeZone: "Europe/London", effectiveFrom: "2027-03-22", effectiveUntil: "2027-06-30", version: 1 });
    expect(schedule.generatedUntil).toEqual(new Date(clock + horizonMs));
    const slots = await slotsOf(schedule.id);
    // Monday 22 and Wednesday 24 March in GMT, Monday 29 and Wednesday 31 in BST; six each.
    expect(slots.map((slot) => slot.start)).toEqual([
      ...["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"].map((time) => `2027-03-22T${time}`),
      ...["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"].map((time) => `2027-03-24T${time}`),
      ...["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"].map((time) => `2027-03-29T${time}`),
      ...["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"].map((time) => `2027-03-31T${time}`),
    ]);
    expect(await schedules.getSchedule(anonymousCaller, schedule.id)).toEqual(schedule);
    const listed = await schedules.listSchedules(anonymousCaller, { clinicianId });
    expect(listed).toEqual({ schedules: [schedule], total: 1 });
  });

  it("leaves out a slot the clinician's calendar already covers, so the non-overlap guard still holds", async () => {
    const clinicianId = await newClinician();
    await pool.query(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time) VALUES ($1, '2027-03-22T09:15Z', '2027-03-22T09:45Z')`,
      [clinicianId],
    );
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId));
    const slots = await slotsOf(schedule.id);
    expect(slots).toHaveLength(24 - 2);
    expect(slots.map((slot) => slot.start)).not.toContain("2027-03-22T09:00");
    expect(slots.map((slot) => slot.start)).not.toContain("2027-03-22T09:30");
  });

  it("refuses what is not a schedule, and patients", async () => {
    const clinicianId = await newClinician();
    await expectFailure(schedules.createSchedule(staff, { ...londonSchedule(clinicianId), timeZone: "Europe/Londres" }), "invalid_time_zone");
    await expectFailure(schedules.createSchedule(staff, { ...londonSchedule(clinicianId), timeZone: "+01:00" }), "invalid_time_zone");
    await expectFailure(schedules.createSchedule(staff, { ...londonSchedule(clinicianId), effectiveUntil: "2027-03-01" }), "invalid_schedule");
    await expectFailure(schedules.createSchedule(staff, { ...londonSchedule(clinicianId), effectiveFrom: "2027-02-30" }), "invalid_schedule");
    await expectFailure(schedules.createSchedule(staff, londonSchedule(clinicianId, [{ ...mornings, weekdays: ["FUNDAY"] }])), "invalid_schedule");
    await expectFailure(schedules.createSchedule(staff, londonSchedule(clinicianId, [{ ...mornings, end: "08:00" }])), "invalid_schedule");
    await expectFailure(schedules.createSchedule(staff, londonSchedule(clinicianId, [{ ...mornings, slotMinutes: 0 }])), "invalid_schedule");
    await expectFailure(schedules.createSchedule(staff, londonSchedule(clinicianId, [{ ...mornings, capacity: 0 }])), "invalid_schedule");
    await expectFailure(
      schedules.createSchedule(staff, londonSchedule(clinicianId, [mornings, { ...mornings, weekdays: ["WEDNESDAY"], start: "11:00", end: "13:00" }])),
      "invalid_schedule",
    );
    await expectFailure(schedules.createSchedule(staff, londonSchedule(clinicianId, [])), "invalid_schedule");
    await expectFailure(schedules.createSchedule(staff, londonSchedule("7d4a3c1e-0000-4000-8000-000000000000")), "clinician_not_found");
    await expectFailure(schedules.createSchedule({ subject: patientIds[0]!, role: "patient" }, londonSchedule(clinicianId)), "permission_denied");
    await expectFailure(schedules.getSchedule(anonymousCaller, "7d4a3c1e-0000-4000-8000-000000000000"), "schedule_not_found");
    await expectFailure(schedules.getSchedule(anonymousCaller, "nope"), "invalid_schedule_id");
  });
});

describe("the extension worker", () => {
  it("makes the slots of the days that came into the horizon, once, with several workers at once", async () => {
    const clinicianId = await newClinician();
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId));
    const before = (await slotsOf(schedule.id)).length;
    clock += week;
    try {
      const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: database.dsn, max: 2 }));
      const runs = await Promise.all(pools.flatMap((workerPool) => [schedulesOn(workerPool).extendAll(), schedulesOn(workerPool).extendAll()]));
      await Promise.all(pools.map((workerPool) => workerPool.end()));
      const slots = await slotsOf(schedule.id);
      // One more week: Monday 5 and Wednesday 7 April.
      expect(slots.length - before).toBe(12);
      expect(slots.at(-1)!.start).toBe("2027-04-07T10:30");
      const madeForThisSchedule = runs.reduce((sum, run) => sum + run.slots, 0);
      expect(madeForThisSchedule).toBeGreaterThanOrEqual(12);
      expect((await schedules.getSchedule(anonymousCaller, schedule.id)).generatedUntil).toEqual(new Date(clock + horizonMs));
      // A second run finds nothing to do.
      expect(await schedules.extendAll()).toEqual({ schedules: 0, slots: 0 });
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT clinician_id, start_time FROM appointment_slots WHERE status <> 'deleted'
          GROUP BY 1, 2 HAVING count(*) > 1) twice`,
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      clock -= week;
    }
  });

  it("runs in the expiry worker's loop, after the expiry", async () => {
    const clinicianId = await newClinician();
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId));
    const before = (await slotsOf(schedule.id)).length;
    clock += 2 * week;
    try {
      const loop = new ExpiryLoop({ expiry: new HoldExpiry(new PostgresAppointmentStore(pool)), intervalMs: 60_000, logger: silentLogger, schedules });
      await loop.runOnce();
      expect((await slotsOf(schedule.id)).length - before).toBe(24);
    } finally {
      clock -= 2 * week;
    }
  });
});

describe("changing a schedule", () => {
  it("regenerates unbooked slots, keeps and reports booked ones that no longer fit, and clears the report when they fit again", async () => {
    const clinicianId = await newClinician();
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId));
    const first = await slotsOf(schedule.id);
    const bookedEarly = first.find((slot) => slot.start === "2027-03-22T09:00")!;
    const bookedLate = first.find((slot) => slot.start === "2027-03-24T11:30")!;
    await book(bookedEarly.id, patientIds[0]!);
    await book(bookedLate.id, patientIds[1]!);

    // Mornings become 10:00 to 12:00 in 60-minute slots.
    const changed = await schedules.updateSchedule(staff, schedule.id, { rules: [{ ...mornings, start: "10:00", slotMinutes: 60 }] });
    expect(changed.version).toBe(2);
    const slots = live(await slotsOf(schedule.id));
    expect(slots.filter((slot) => slot.start.startsWith("2027-03-22")).map((slot) => [slot.start, slot.outside])).toEqual([
      ["2027-03-22T09:00", true], // booked: kept, reported
      ["2027-03-22T10:00", false],
      ["2027-03-22T11:00", false],
    ]);
    // 11:00 to 12:00 on the 24th overlaps the booked 11:30 slot: not made, and the booked one is reported.
    expect(slots.filter((slot) => slot.start.startsWith("2027-03-24")).map((slot) => [slot.start, slot.outside])).toEqual([
      ["2027-03-24T10:00", false],
      ["2027-03-24T11:30", true],
    ]);
    const conflicts = await schedules.listConflicts(staff, schedule.id);
    expect(conflicts.slots.map((slot) => slot.id)).toEqual([bookedEarly.id, bookedLate.id]);
    expect(conflicts.total).toBe(2);
    await expectFailure(schedules.listConflicts({ subject: patientIds[0]!, role: "patient" }, schedule.id), "permission_denied");
    const { rows: events } = await pool.query(
      `SELECT slot_id, event_type, actor_subject, actor_role FROM schedule_events WHERE schedule_id = $1 ORDER BY id`,
      [schedule.id],
    );
    expect(events).toEqual([
      { slot_id: bookedEarly.id, event_type: "SLOT_OUTSIDE_SCHEDULE", actor_subject: "front-desk", actor_role: "staff" },
      { slot_id: bookedLate.id, event_type: "SLOT_OUTSIDE_SCHEDULE", actor_subject: "front-desk", actor_role: "staff" },
    ]);

    // The same change again reports nothing new and makes nothing.
    await schedules.updateSchedule(staff, schedule.id, { rules: [{ ...mornings, start: "10:00", slotMinutes: 60 }] });
    expect(live(await slotsOf(schedule.id))).toEqual(slots);
    const { rows: again } = await pool.query(`SELECT count(*)::int AS n FROM schedule_events WHERE schedule_id = $1`, [schedule.id]);
    expect(again[0]!.n).toBe(2);

    // Back to the first rules: the booked slots fit again and are no longer reported.
    await schedules.updateSchedule(staff, schedule.id, { rules: [mornings] });
    const restored = live(await slotsOf(schedule.id));
    expect(restored.map((slot) => slot.start)).toEqual(first.map((slot) => slot.start));
    expect(restored.filter((slot) => slot.outside)).toEqual([]);
    expect(restored.find((slot) => slot.start === "2027-03-22T09:00")!.id).toBe(bookedEarly.id);
    expect((await schedules.listConflicts(staff, schedule.id)).total).toBe(0);
  });

  it("closes a day with an exception, and adds hours on another", async () => {
    const clinicianId = await newClinician();
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId));
    const booked = (await slotsOf(schedule.id)).find((slot) => slot.start === "2027-03-24T10:00")!;
    await book(booked.id, patientIds[2]!);
    await schedules.addScheduleException(staff, schedule.id, { date: "2027-03-24", closed: true });
    const updated = await schedules.addScheduleException(staff, schedule.id, {
      date: "2027-03-23",
      hours: [{ start: "14:00", end: "15:00", slotMinutes: 60, capacity: 4 }],
    });
    expect(updated.exceptions).toEqual([
      { date: "2027-03-23", closed: false, hours: [{ start: "14:00", end: "15:00", slotMinutes: 60, bufferMinutes: 0, capacity: 4 }] },
      { date: "2027-03-24", closed: true, hours: [] },
    ]);
    const slots = live(await slotsOf(schedule.id));
    expect(slots.filter((slot) => slot.start.startsWith("2027-03-24")).map((slot) => [slot.start, slot.outside])).toEqual([["2027-03-24T10:00", true]]);
    expect(slots.filter((slot) => slot.start.startsWith("2027-03-23")).map((slot) => [slot.start, slot.capacity])).toEqual([["2027-03-23T14:00", 4]]);
    await expectFailure(schedules.addScheduleException(staff, schedule.id, { date: "2027-03-25" }), "invalid_schedule");
    await expectFailure(
      schedules.addScheduleException(staff, schedule.id, { date: "2027-03-29", hours: [{ start: "11:00", end: "13:00", slotMinutes: 30 }] }),
      "invalid_schedule",
    );
  });

  it("never deletes a slot a booking is taking at the same moment: 200 bookings racing a closed day", async () => {
    const clinicianId = await newClinician();
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId, [{ ...mornings, slotMinutes: 5, capacity: 20 }]));
    const daySlots = (await slotsOf(schedule.id)).filter((slot) => slot.start.startsWith("2027-03-22"));
    const bookings = patientIds.slice(0, 200).map(async (patientId, index) => {
      try {
        await book(daySlots[index % daySlots.length]!.id, patientId);
        return "booked";
      } catch (error) {
        return (error as { constraint?: string }).constraint ?? String(error);
      }
    });
    const [outcomes] = await Promise.all([
      Promise.all(bookings),
      schedules.addScheduleException(staff, schedule.id, { date: "2027-03-22", closed: true }),
    ]);
    expect(new Set(outcomes)).toEqual(new Set(outcomes.filter((outcome) => outcome === "booked" || outcome === "appointments_slot_open")));
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM appointments a JOIN appointment_slots s ON s.id = a.slot_id
        WHERE s.status = 'deleted' AND a.status IN ('pending', 'confirmed')`,
    );
    expect(rows[0]!.n).toBe(0);
    const { rows: kept } = await pool.query<{ booked: number; outside: number }>(
      `SELECT count(DISTINCT a.slot_id)::int AS booked, count(DISTINCT a.slot_id) FILTER (WHERE s.outside_schedule_since IS NOT NULL)::int AS outside
         FROM appointments a JOIN appointment_slots s ON s.id = a.slot_id WHERE s.schedule_id = $1`,
      [schedule.id],
    );
    expect(kept[0]!.booked).toBe(kept[0]!.outside);
    expect(outcomes.filter((outcome) => outcome === "booked").length).toBeGreaterThan(0);
  });

  it("applies changes made at once one after the other, each to the version before it", async () => {
    const clinicianId = await newClinician();
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId));
    const lengths = [10, 15, 20, 30, 45, 60, 90, 180];
    const pools = lengths.map(() => new pg.Pool({ connectionString: database.dsn, max: 1 }));
    const results = await Promise.all(
      lengths.map((length, index) => schedulesOn(pools[index]!).updateSchedule(staff, schedule.id, { rules: [{ ...mornings, slotMinutes: length }] })),
    );
    await Promise.all(pools.map((changePool) => changePool.end()));
    expect(results.map((result) => result.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    const last = results.find((result) => result.version === 9)!;
    const length = last.rules[0]!.slotMinutes;
    // The calendar is the last change's, whichever it was: 180 minutes of mornings in slots of that length, four days.
    const slots = live(await slotsOf(schedule.id));
    expect(slots).toHaveLength(4 * Math.floor(180 / length));
    expect(new Set(slots.map((slot) => slot.start)).size).toBe(slots.length);
  });

  it("refuses to delete a slot holding an appointment, whoever asks", async () => {
    const clinicianId = await newClinician();
    const schedule = await schedules.createSchedule(staff, londonSchedule(clinicianId));
    const slot = (await slotsOf(schedule.id))[0]!;
    await book(slot.id, patientIds[3]!);
    await expect(pool.query(`UPDATE appointment_slots SET status = 'deleted' WHERE id = $1`, [slot.id])).rejects.toMatchObject({
      constraint: "appointment_slots_deleted_while_occupied",
    });
  });
});

describe("finding availability", () => {
  it("answers open slots with room across clinicians of a specialty, earliest first; limit 1 is the first available", async () => {
    const specialty = "dermatology";
    const [a, b] = [await newClinician(specialty), await newClinician(specialty)];
    await newClinician("other-specialty").then((other) => schedules.createSchedule(staff, londonSchedule(other)));
    const early = await schedules.createSchedule(staff, londonSchedule(a, [{ ...mornings, weekdays: ["MONDAY"] }]));
    await schedules.createSchedule(staff, londonSchedule(b, [{ ...mornings, weekdays: ["MONDAY"], start: "09:15", end: "10:15" }]));
    const first = (await slotsOf(early.id))[0]!;
    await book(first.id, patientIds[4]!);

    const found = await schedules.findAvailability(anonymousCaller, { specialty, limit: 4 });
    expect(found.map((slot) => [slot.clinicianId, slot.startTime.toISOString(), slot.available])).toEqual([
      [b, "2027-03-22T09:15:00.000Z", 1],
      [a, "2027-03-22T09:30:00.000Z", 1],
      [b, "2027-03-22T09:45:00.000Z", 1],
      [a, "2027-03-22T10:00:00.000Z", 1],
    ]);
    const [firstAvailable] = await schedules.findAvailability(anonymousCaller, { specialty, limit: 1 });
    expect(firstAvailable!.startTime.toISOString()).toBe("2027-03-22T09:15:00.000Z");
    const page2 = await schedules.findAvailability(anonymousCaller, { specialty, limit: 2, offset: 2 });
    expect(page2.map((slot) => slot.startTime.toISOString())).toEqual(["2027-03-22T09:45:00.000Z", "2027-03-22T10:00:00.000Z"]);
    const ofA = await schedules.findAvailability(anonymousCaller, {
      clinicianId: a,
      from: new Date("2027-03-29T00:00:00Z"),
      to: new Date("2027-03-29T08:31:00Z"),
    });
    expect(ofA.map((slot) => slot.startTime.toISOString())).toEqual(["2027-03-29T08:00:00.000Z", "2027-03-29T08:30:00.000Z"]);
    await expectFailure(schedules.findAvailability(anonymousCaller, { from: new Date("2027-03-29T00:00:00Z"), to: new Date("2027-03-28T00:00:00Z") }), "invalid_time_range");
  });
});
