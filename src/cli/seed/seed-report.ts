import { textTable } from "../terminal/text-table.js";
import type { SeedSummary } from "../../app/seed/run-seed.js";

export function seedReport(summary: SeedSummary): string {
  const { rows } = summary;
  const table = textTable(
    ["table", "rows"],
    [["clinicians", rows.clinicians], ["patients", rows.patients], ["slots", rows.slots], ["total", rows.total]],
  );
  const schedule = summary.slotsFrom === null ? "" : `\nslots from ${summary.slotsFrom} to ${summary.slotsTo}`;
  const speed = `seeded ${rows.total.toLocaleString("en-US")} rows in ${summary.seconds.toFixed(2)} s: ${summary.rowsPerSecond.toLocaleString("en-US")} rows/s`;
  return `${table}\n\n${speed}${schedule}\n`;
}
