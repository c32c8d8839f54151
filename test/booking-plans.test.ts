import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createHoldStatement } from "../src/adapters/postgres/sql/create-hold.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

// A count of one patient's holds (the booking statement's, with a cap, and
// guard_patient_hold_cap's) must read appointments_pending_by_patient, never
// the index of the slots' current places: that one holds every current
// place of every slot, and when its statistics were taken while nothing was
// current (a quiet night, a bulk load of history) the planner believed it
// empty and walked all of it by its second column, at 448 buffers per
// booking over a million stored appointments. The test takes the planner's
// other ways away (the pending and patient indexes dropped and sequential scans priced
// out, in a transaction that is rolled back): the places index must still
// offer no way to search by patient alone.

let database: TestDatabase;
let pool: pg.Pool;
let slotIds: string[];
let patientIds: string[];

const placesIndex = "appointments_one_active_per_patient_and_slot";
// guard_patient_hold_cap's count (migrations/0006), as a plain query.
const guardHoldCount = `SELECT count(*) FROM appointments
   WHERE patient_id = $1 AND id <> $2 AND status = 'pending' AND expires_at > now()`;

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The generic plan a pooled connection settles on, with only the places index left to find a patient's rows by. */
async function planWithoutPatientIndexes(text: string, types: string, values: string): Promise<PlanNode[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("DROP INDEX appointments_pending_by_patient, appointments_by_patient, appointments_pending_by_expiry");
    await client.query("SET LOCAL enable_seqscan = off");
    await client.query("SET LOCAL plan_cache_mode = force_generic_plan");
    await client.query(`PREPARE planned (${types}) AS ${text}`);
    const { rows } = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE planned (${values})`);
    return nodes(rows[0]!["QUERY PLAN"][0].Plan);
  } finally {
    await client.query("ROLLBACK");
    await client.query("DEALLOCATE ALL");
    client.release();
  }
}

beforeAll(async () => {
  database = await createTestDatabase("booking_plans");
  await migrate(database.dsn);
  pool = new pg.Pool({ connectionString: database.dsn, max: 2 });
  const clinician = await pool.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Plan') RETURNING id`);
  slotIds = (
    await pool.query<{ id: string }>(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time)
       SELECT $1, t, t + interval '15 minutes'
         FROM generate_series(date_trunc('day', now()) + interval '2 days', date_trunc('day', now()) + interval '2 days' + interval '15 minutes' * 199, interval '15 minutes') AS t
       RETURNING id`,
      [clinician.rows[0]!.id],
    )
  ).rows.map((row) => row.id);
  patientIds = (await pool.query<{ id: string }>(`INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, 20) n RETURNING id`)).rows.map(
    (row) => row.id,
  );
  await pool.query(
    `INSERT INTO appointments (slot_id, patient_id, expires_at)
     SELECT s, ($2::uuid[])[1 + (n % 20)], now() + interval '10 minutes' FROM unnest($1::uuid[]) WITH ORDINALITY AS u (s, n)`,
    [slotIds.slice(0, 100), patientIds],
  );
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

describe("a patient's hold count", () => {
  it("cannot search the index of the slots' places by patient, in the booking statement or in the hold cap guard", async () => {
    const booking = await planWithoutPatientIndexes(
      createHoldStatement,
      "uuid, uuid, int, text, text, int, text, int",
      `'${slotIds[150]}', '${patientIds[0]}', 600000, 'plan-test', 'service', 3, NULL, 0`,
    );
    const guard = await planWithoutPatientIndexes(guardHoldCount, "uuid, uuid", `'${patientIds[0]}', '${slotIds[0]}'`);
    const placesScans = [...booking, ...guard].filter((node) => node["Index Name"] === placesIndex);
    // The booking statement reads its slot's places through it, by slot. A search of it by patient alone
    // is what must not exist (a scan of it without any condition is the priced-out sequential scan's stand-in).
    expect(placesScans.some((node) => /slot_id/.test(node["Index Cond"] ?? ""))).toBe(true);
    const byPatient = placesScans.filter((node) => node["Index Cond"] !== undefined && !/slot_id/.test(node["Index Cond"]));
    expect(byPatient.map((node) => `${node["Node Type"]}: ${node["Index Cond"]}`)).toEqual([]);
  });
});
