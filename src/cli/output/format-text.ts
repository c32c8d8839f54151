import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { textTable, type Cell } from "../terminal/text-table.js";

/** A column of a table: its heading and where its value sits in a row, e.g. "slot.start_time". */
export interface Column {
  header: string;
  path: string;
}

/**
 * The text views are drawn from the REST JSON, so they show the same words:
 * RFC 3339 times, lowercase statuses, and "-" for anything absent.
 */
export function cellText(value: JsonValue | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function valueAt(json: JsonValue | undefined, path: string): JsonValue | undefined {
  let value = json;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = value[key];
  }
  return value;
}

/** Rows under a heading, aligned; numbers stay numbers, so they align right. */
export function formatTable(rows: readonly JsonValue[], columns: readonly Column[]): string {
  const cells = rows.map((row) =>
    columns.map((column): Cell => {
      const value = valueAt(row, column.path);
      return typeof value === "number" ? value : cellText(value);
    }),
  );
  return textTable(columns.map((column) => column.header), cells);
}

/** One record as "key  value" lines; a nested record's keys read "slot.start_time". */
export function formatRecord(record: JsonObject): string {
  const [first, ...rest] = flatten(record, "").map(([key, value]) => [key, cellText(value)]);
  return first === undefined ? "" : textTable(first, rest);
}

function flatten(record: JsonObject, prefix: string): Array<[string, JsonValue]> {
  return Object.entries(record).flatMap(([key, value]): Array<[string, JsonValue]> =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? flatten(value, `${prefix}${key}.`)
      : [[`${prefix}${key}`, value]],
  );
}
