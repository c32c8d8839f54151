import type { Clinician, NewClinician } from "../../../core/model/directory.js";
import type { Queryable } from "../pool.js";
import { toClinician, type ClinicianRow } from "../rows/clinician-row.js";
import { translated } from "../translate-error.js";

const text = `
INSERT INTO clinicians (name, specialty)
VALUES ($1, $2)
RETURNING id, name, specialty`;

export async function createClinician(db: Queryable, clinician: NewClinician): Promise<Clinician> {
  return translated(async () => {
    const { rows } = await db.query<ClinicianRow>({
      name: "create_clinician",
      text,
      values: [clinician.name, clinician.specialty],
    });
    return toClinician(rows[0]!);
  });
}
