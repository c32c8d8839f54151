import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { loadSimulationIds } from "../src/adapters/postgres/tooling/load-simulation-ids.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

// sched simulate run a second time must not pick the slots the first run
// filled: it loads only slots that still have room.

let database: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  database = await createTestDatabase("simulation_ids");
  await migrate(database.dsn);
  pool = new pg.Pool({ connectionString: database.dsn, max: 1 });
});

afterAll(async () => {
  await pool?.end();
  await database.drop();
});

describe("the slots sched simulate loads", () => {
  it("leave out slots with no room left, and keep those with room", async () => {
    const { rows: [clinician] } = await pool.query<{ id: string }>("INSERT INTO clinicians (name) VALUES ('Dr Sim') RETURNING id");
    const { rows: [patient] } = await pool.query<{ id: string }>("INSERT INTO patients (name) VALUES ('Sim') RETURNING id");
    const { rows: slots } = await pool.query<{ id: string }>(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
       SELECT $1, now() + n * interval '1 hour', now() + n * interval '1 hour' + interval '30 minutes', 1
         FROM generate_series(1, 2) n ORDER BY n RETURNING id`,
      [clinician!.id],
    );
    const [full, free] = slots.map((slot) => slot.id) as [string, string];
    await pool.query("INSERT INTO appointments (slot_id, patient_id, status, expires_at) VALUES ($1, $2, 'pending', now() + interval '1 hour')", [full, patient!.id]);
    const ids = await loadSimulationIds(pool, { patients: 10, slots: 10 });
    expect(ids).toEqual({ patientIds: [patient!.id], slotIds: [free] });
  });
});
