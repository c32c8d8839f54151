import { SchedError } from "../../../core/errors.js";
import type { Patient } from "../../../core/model/directory.js";
import type { Queryable } from "../pool.js";
import { toPatient, type PatientRow } from "../rows/patient-row.js";
import { translated } from "../translate-error.js";

const text = `
SELECT id, name, email
  FROM patients
 WHERE id = $1`;

export async function getPatient(db: Queryable, id: string): Promise<Patient> {
  return translated(async () => {
    const { rows } = await db.query<PatientRow>({ name: "get_patient", text, values: [id] });
    const row = rows[0];
    if (!row) throw new SchedError("patient_not_found", `patient ${id} not found`);
    return toPatient(row);
  });
}
