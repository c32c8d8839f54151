import type pg from "pg";
import { migrate } from "../../../src/adapters/postgres/migrate.js";
import { createPool } from "../../../src/adapters/postgres/pool.js";
import { createTestDatabase } from "../../support/database.js";

export interface FaultDataOptions {
  clinicians?: number;
  slotsPerClinician?: number;
  patients?: number;
  capacity?: number;
}

/** A migrated, seeded database and an admin pool on it, for the load driver's ids and the final checks. */
export interface FaultData {
  dsn: string;
  /** A small pool of the test's own, for seeding, auditing and checking. */
  pool: pg.Pool;
  slotIds: string[];
  patientIds: string[];
  capacity: number;
  /** Ends the pool (and drops the database when the harness created it). */
  close(): Promise<void>;
}

/** Migrates the database at `dsn` (which may live on a private cluster) and seeds clinicians, slots and patients. */
export async function seedFaultData(dsn: string, options: FaultDataOptions = {}): Promise<FaultData> {
  const { clinicians = 20, slotsPerClinician = 50, patients = 1000, capacity = 2 } = options;
  await migrate(dsn);
  const pool = createPool(dsn, { max: 3, applicationName: "sched-fault-test" });
  const clinicianRows = await pool.query<{ id: string }>(
    `INSERT INTO clinicians (name, specialty) SELECT 'Dr Fault ' || n, 'cardiology' FROM generate_series(1, $1) n RETURNING id`,
    [clinicians],
  );
  // Each clinician's slots follow each other, so none overlap.
  const slotRows = await pool.query<{ id: string }>(
    `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
     SELECT c, timestamptz '2031-03-03T08:00:00Z' + (n * interval '30 minutes'),
               timestamptz '2031-03-03T08:00:00Z' + ((n + 1) * interval '30 minutes'), $3
       FROM unnest($1::uuid[]) c, generate_series(0, $2 - 1) n
     RETURNING id`,
    [clinicianRows.rows.map((row) => row.id), slotsPerClinician, capacity],
  );
  const patientRows = await pool.query<{ id: string }>(
    `INSERT INTO patients (name, email) SELECT 'Patient ' || n, 'fault' || n || '@example.org' FROM generate_series(1, $1) n RETURNING id`,
    [patients],
  );
  return {
    dsn,
    pool,
    slotIds: slotRows.rows.map((row) => row.id),
    patientIds: patientRows.rows.map((row) => row.id),
    capacity,
    close: () => pool.end(),
  };
}

/** A fresh database on the machine's PostgreSQL (test/support/database.ts), seeded; close() drops it. */
export async function createFaultData(label: string, options: FaultDataOptions = {}): Promise<FaultData> {
  const database = await createTestDatabase(`faults_${label}`);
  try {
    const data = await seedFaultData(database.dsn, options);
    return {
      ...data,
      async close() {
        await data.pool.end();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}
