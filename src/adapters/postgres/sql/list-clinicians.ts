import type { ClinicianPage } from "../../../core/model/directory.js";
import type { Queryable } from "../pool.js";
import { toClinician, type ClinicianRow } from "../rows/clinician-row.js";
import { translated } from "../translate-error.js";

export interface ClinicianListing {
  specialty?: string | undefined;
  limit: number;
  offset: number;
}

// The total rides on a row of its own that the page is left-joined to, so a
// page past the end still reports how many there are; with count(*) OVER ()
// an empty page would say zero.
function listingSql(filter: string): string {
  return `
WITH matching AS NOT MATERIALIZED (
  SELECT id, name, specialty FROM clinicians ${filter}
)
SELECT total.total, page.id, page.name, page.specialty
  FROM (SELECT count(*)::int AS total FROM matching) total
  LEFT JOIN LATERAL (
    SELECT * FROM matching ORDER BY name, id LIMIT $1 OFFSET $2
  ) page ON true
 ORDER BY page.name, page.id`;
}

// One statement per filter shape, so that each keeps a plan that uses the
// specialty index when it can.
const everyone = { name: "list_clinicians", text: listingSql("") };
const bySpecialty = { name: "list_clinicians_by_specialty", text: listingSql("WHERE specialty = $3") };

type ListingRow = { total: number } & (ClinicianRow | { id: null });

export async function listClinicians(db: Queryable, listing: ClinicianListing): Promise<ClinicianPage> {
  const paging = [listing.limit, listing.offset];
  const query =
    listing.specialty === undefined
      ? { ...everyone, values: paging }
      : { ...bySpecialty, values: [...paging, listing.specialty] };
  return translated(async () => {
    const { rows } = await db.query<ListingRow>(query);
    return {
      clinicians: rows.flatMap((row) => (row.id === null ? [] : [toClinician(row)])),
      total: rows[0]?.total ?? 0,
    };
  });
}
