import { readdirSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationsDir } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase("migrate");
});

afterAll(async () => {
  await database.drop();
});

async function schemaFingerprint(dsn: string): Promise<string> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    const { rows } = await client.query<{ object: string }>(`
      SELECT table_name || '.' || column_name || ':' || data_type AS object
        FROM information_schema.columns WHERE table_schema = 'public'
      UNION ALL
      SELECT conrelid::regclass || '#' || conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace
      UNION ALL
      SELECT tgrelid::regclass || '!' || tgname FROM pg_trigger WHERE NOT tgisinternal
      UNION ALL
      SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'
      ORDER BY 1`);
    return rows.map((row) => row.object).join("\n");
  } finally {
    await client.end();
  }
}

describe("sched migrate", () => {
  it("creates the whole schema in an empty database, concurrently from several instances, and a second run changes nothing", async () => {
    const reports = await Promise.all([migrate(database.dsn), migrate(database.dsn), migrate(database.dsn)]);
    const appliedAtAll = reports.flatMap((report) => report.applied);
    const everyMigration = readdirSync(migrationsDir)
      .filter((file) => file.endsWith(".sql"))
      .map((file) => file.replace(/\.sql$/, ""))
      .sort();
    expect(everyMigration[0]).toBe("0001_initial-schema");
    expect(appliedAtAll).toEqual(everyMigration);

    const schema = await schemaFingerprint(database.dsn);
    for (const table of ["patients", "clinicians", "appointment_slots", "appointments", "event_logs"]) {
      expect(schema).toContain(`${table}.id:`);
    }
    expect(schema).toContain("appointment_slots#appointment_slots_no_overlap");
    expect(schema).toContain("appointments!appointments_2_slot_capacity");

    const again = await migrate(database.dsn);
    expect(again.applied).toEqual([]);
    expect(await schemaFingerprint(database.dsn)).toBe(schema);
  });
});
