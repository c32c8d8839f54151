import type { NewPatient, Patient } from "../../../core/model/directory.js";
import type { Queryable } from "../pool.js";
import { toPatient, type PatientRow } from "../rows/patient-row.js";
import { translated } from "../translate-error.js";

const text = `
INSERT INTO patients (name, email)
VALUES ($1, $2)
RETURNING id, name, email`;

export async function createPatient(db: Queryable, patient: NewPatient): Promise<Patient> {
  return translated(async () => {
    const { rows } = await db.query<PatientRow>({ name: "create_patient", text, values: [patient.name, patient.email] });
    return toPatient(rows[0]!);
  });
}
