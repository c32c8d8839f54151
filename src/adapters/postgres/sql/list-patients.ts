import type { PatientPage } from "../../../core/model/directory.js";
import type { Queryable } from "../pool.js";
import { toPatient, type PatientRow } from "../rows/patient-row.js";
import { translated } from "../translate-error.js";

// As for clinicians, the total rides on a row of its own that the page is
// left-joined to, so a page past the end still reports how many there are.
const text = `
SELECT total.total, page.id, page.name, page.email
  FROM (SELECT count(*)::int AS total FROM patients) total
  LEFT JOIN LATERAL (
    SELECT id, name, email FROM patients ORDER BY name, id LIMIT $1 OFFSET $2
  ) page ON true
 ORDER BY page.name, page.id`;

type ListingRow = { total: number } & (PatientRow | { id: null });

export async function listPatients(db: Queryable, page: { limit: number; offset: number }): Promise<PatientPage> {
  return translated(async () => {
    const { rows } = await db.query<ListingRow>({ name: "list_patients", text, values: [page.limit, page.offset] });
    return {
      patients: rows.flatMap((row) => (row.id === null ? [] : [toPatient(row)])),
      total: rows[0]?.total ?? 0,
    };
  });
}
