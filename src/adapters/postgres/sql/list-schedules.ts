import type { SchedulePage } from "../../../core/model/schedule.js";
import type { Queryable } from "../pool.js";
import { scheduleColumns, toSchedule, type ScheduleRow } from "../rows/schedule-row.js";
import { translated } from "../translate-error.js";

export interface ScheduleListing {
  clinicianId?: string | undefined;
  limit: number;
  offset: number;
}

// The total rides on a row of its own that the page is left-joined to, so a
// page past the end still reports how many there are.
function listingSql(filter: string): string {
  return `
WITH matching AS NOT MATERIALIZED (
  SELECT * FROM schedules ${filter}
)
SELECT total.total, page.*
  FROM (SELECT count(*)::int AS total FROM matching) total
  LEFT JOIN LATERAL (
    SELECT ${scheduleColumns} FROM matching sc ORDER BY sc.created_at, sc.id LIMIT $1 OFFSET $2
  ) page ON true
 ORDER BY page.created_at, page.id`;
}

const everyone = { name: "list_schedules", text: listingSql("") };
const byClinician = { name: "list_schedules_by_clinician", text: listingSql("WHERE clinician_id = $3") };

type ListingRow = { total: number } & (ScheduleRow | { id: null });

export async function listSchedules(db: Queryable, listing: ScheduleListing): Promise<SchedulePage> {
  const paging = [listing.limit, listing.offset];
  const query =
    listing.clinicianId === undefined ? { ...everyone, values: paging } : { ...byClinician, values: [...paging, listing.clinicianId] };
  return translated(async () => {
    const { rows } = await db.query<ListingRow>(query);
    return {
      schedules: rows.flatMap((row) => (row.id === null ? [] : [toSchedule(row)])),
      total: rows[0]?.total ?? 0,
    };
  });
}
