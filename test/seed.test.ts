import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createPool } from "../src/adapters/postgres/pool.js";
import { seedPlan } from "../src/cli/seed/seed-plan.js";
import { timeOrderedUuids } from "../src/app/seed/time-ordered-uuids.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { runCli } from "./support/run-cli.js";

const emptyDir = mkdtempSync(join(tmpdir(), "sched-seed-"));
// 5 weekdays of 08:00–17:00 in 30-minute slots.
const slotsPerClinicianWeek = 5 * 18;
const smallSet = ["--clinicians", "5", "--patients", "40", "--weeks", "1", "--start-date", "2031-03-03"];

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase("seed");
  await migrate(database.dsn);
  pool = createPool(database.dsn, { max: 2 });
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

async function count(table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

function seed(args: string[]) {
  return runCli(["seed", ...args], { POSTGRES_DSN: database.dsn }, emptyDir);
}

describe("sched seed", () => {
  it("creates clinicians, patients and a weekday working schedule, and says how fast with --json", async () => {
    const { code, stdout, stderr } = await seed([...smallSet, "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { rows: Record<string, number>; seconds: number; rowsPerSecond: number; slotsFrom: string; slotsTo: string };
    const slots = 5 * slotsPerClinicianWeek;
    expect(summary.rows).toEqual({ clinicians: 5, patients: 40, slots, total: 5 + 40 + slots });
    expect(summary).toMatchObject({ slotsFrom: "2031-03-03T08:00:00.000Z", slotsTo: "2031-03-07T17:00:00.000Z" });
    console.log(`sched seed (small set): ${summary.rowsPerSecond} rows/s`);
    expect([await count("clinicians"), await count("patients"), await count("appointment_slots")]).toEqual([5, 40, slots]);
  });

  it("lays out 30-minute open slots on weekdays between 08:00 and 17:00 UTC, never overlapping", async () => {
    const { rows } = await pool.query<{ clinician_id: string; n: number; odd: number; overlaps: number }>(
      `SELECT clinician_id, count(*)::int AS n,
              count(*) FILTER (WHERE end_time - start_time <> interval '30 minutes'
                                  OR status <> 'open' OR capacity <> 1
                                  OR extract(isodow FROM start_time AT TIME ZONE 'UTC') > 5
                                  OR (start_time AT TIME ZONE 'UTC')::time < '08:00'
                                  OR (end_time AT TIME ZONE 'UTC')::time > '17:00')::int AS odd,
              (SELECT count(*)::int FROM appointment_slots a JOIN appointment_slots b
                 ON a.clinician_id = b.clinician_id AND a.id < b.id
                AND tstzrange(a.start_time, a.end_time) && tstzrange(b.start_time, b.end_time)) AS overlaps
         FROM appointment_slots GROUP BY clinician_id`,
    );
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row).toMatchObject({ n: slotsPerClinicianWeek, odd: 0, overlaps: 0 });
  });

  it("adds a second set when run again, in batches smaller than one schedule, with a readable table", async () => {
    const { code, stdout, stderr } = await seed([...smallSet, "--batch-size", "7", "--capacity", "2"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^clinicians\s+5$/m);
    expect(stdout).toMatch(/^slots\s+450$/m);
    expect(stdout).toMatch(/^seeded 495 rows in [\d.]+ s: [\d,]+ rows\/s$/m);
    // Not a terminal: no progress bar redraws.
    expect(stdout).not.toMatch(/[\r\u001b]/);
    expect([await count("clinicians"), await count("patients"), await count("appointment_slots")]).toEqual([10, 80, 900]);
    const emails = await pool.query<{ distinct: number }>(`SELECT count(DISTINCT lower(email))::int AS distinct FROM patients`);
    expect(emails.rows[0]!.distinct).toBe(80);
    const capacities = await pool.query<{ capacity: number; n: number }>(
      `SELECT capacity, count(*)::int AS n FROM appointment_slots GROUP BY capacity ORDER BY capacity`,
    );
    expect(capacities.rows).toEqual([{ capacity: 1, n: 450 }, { capacity: 2, n: 450 }]);
  });

  it("refuses a malformed flag in one line with exit code 2, and writes nothing", async () => {
    const before = await count("appointment_slots");
    for (const [flag, value] of [["--weeks", "0"], ["--day-end", "7pm"], ["--start-date", "2031-02-30"]] as const) {
      const { code, stdout, stderr } = await seed([flag, value]);
      expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
      expect(stderr).toMatch(new RegExp(`^sched: ${flag}: ".*" is not .*\\n$`));
    }
    expect(await count("appointment_slots")).toBe(before);
  });

  it("needs POSTGRES_DSN, and shows an example in --help", async () => {
    const missing = await runCli(["seed"], {}, emptyDir);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toMatch(/^sched: POSTGRES_DSN is required/);
    const help = await runCli(["seed", "--help"], {}, emptyDir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("sched seed --clinicians 10 --patients 200 --weeks 1 --json");
  });
});

describe("seed building blocks", () => {
  it("starts the schedule on the next Monday, UTC, never today", () => {
    const flags = { clinicians: "1", patients: "1", weeks: "1", slotMinutes: "30", dayStart: "08:00", dayEnd: "17:00", capacity: "1", batchSize: "10" };
    expect(seedPlan(flags, new Date("2031-03-03T10:00:00Z")).startDate.toISOString()).toBe("2031-03-10T00:00:00.000Z");
    expect(seedPlan(flags, new Date("2031-03-09T23:59:00Z")).startDate.toISOString()).toBe("2031-03-10T00:00:00.000Z");
  });

  it("makes clinician ids that are UUIDv7s in ascending order", () => {
    const ids = timeOrderedUuids(300);
    expect(new Set(ids).size).toBe(300);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
