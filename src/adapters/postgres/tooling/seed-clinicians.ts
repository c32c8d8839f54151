import type { Queryable } from "../pool.js";

export interface SeedClinician {
  id: string;
  name: string;
  specialty: string;
}

const text = `
INSERT INTO clinicians (id, name, specialty)
SELECT id, name, specialty FROM unnest($1::uuid[], $2::text[], $3::text[]) AS batch (id, name, specialty)`;

/** Inserts a batch of clinicians in one statement; returns how many. */
export async function seedClinicians(db: Queryable, clinicians: SeedClinician[]): Promise<number> {
  const values = [
    clinicians.map((clinician) => clinician.id),
    clinicians.map((clinician) => clinician.name),
    clinicians.map((clinician) => clinician.specialty),
  ];
  const { rowCount } = await db.query({ name: "seed_clinicians", text, values });
  return rowCount ?? 0;
}
