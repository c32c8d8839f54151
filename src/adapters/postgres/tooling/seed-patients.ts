import type { Queryable } from "../pool.js";

export interface SeedPatient {
  name: string;
  email: string;
}

const text = `
INSERT INTO patients (name, email)
SELECT name, email FROM unnest($1::text[], $2::text[]) AS batch (name, email)`;

/** Inserts a batch of patients in one statement; returns how many. */
export async function seedPatients(db: Queryable, patients: SeedPatient[]): Promise<number> {
  const values = [patients.map((patient) => patient.name), patients.map((patient) => patient.email)];
  const { rowCount } = await db.query({ name: "seed_patients", text, values });
  return rowCount ?? 0;
}
