export type Cell = string | number;

/**
 * A plain aligned table for people: numbers to the right, text to the left,
 * two spaces between columns, no borders to get in the way of copy and paste.
 * A column holding any fraction shows every number in it with two decimals.
 */
export function textTable(header: string[], rows: Cell[][]): string {
  const decimals = header.map((_, column) => (rows.some((row) => !Number.isInteger(row[column] ?? 0)) ? 2 : 0));
  const text = [header, ...rows.map((row) => row.map((cell, column) => formatCell(cell, decimals[column]!)))];
  const widths = header.map((_, column) => Math.max(...text.map((row) => (row[column] ?? "").length)));
  const numeric = header.map((_, column) => rows.every((row) => typeof row[column] !== "string"));
  return text
    .map((row) =>
      row
        .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function formatCell(cell: Cell, decimals: number): string {
  if (typeof cell === "string") return cell;
  return cell.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}
