import { SchedError } from "../../../core/errors.js";
import type { Clinician } from "../../../core/model/directory.js";
import type { Queryable } from "../pool.js";
import { toClinician, type ClinicianRow } from "../rows/clinician-row.js";
import { translated } from "../translate-error.js";

const text = `
SELECT id, name, specialty
  FROM clinicians
 WHERE id = $1`;

export async function getClinician(db: Queryable, id: string): Promise<Clinician> {
  return translated(async () => {
    const { rows } = await db.query<ClinicianRow>({ name: "get_clinician", text, values: [id] });
    const row = rows[0];
    if (!row) throw new SchedError("clinician_not_found", `clinician ${id} not found`);
    return toClinician(row);
  });
}
