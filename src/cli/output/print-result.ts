import type { DescMethod, JsonValue, Message } from "@bufbuild/protobuf";
import { formatRecord, formatTable, valueAt, type Column } from "./format-text.js";
import { restJson } from "../../app/rest-json.js";

/** How a response reads at a terminal: one record, or a table of the list in one field. */
export type TextView = { kind: "record" } | { kind: "table"; list: string; noun: string; columns: readonly Column[] };

export const recordView: TextView = { kind: "record" };

/** Prints the REST JSON with --json, otherwise the text view drawn from that same JSON. */
export function printResult(method: DescMethod, response: Message, options: { json?: boolean }, view: TextView): void {
  const json = restJson(method, response);
  process.stdout.write(`${options.json ? JSON.stringify(json, null, 2) : textOf(json, view)}\n`);
}

function textOf(json: JsonValue, view: TextView): string {
  if (view.kind === "record") {
    return json !== null && typeof json === "object" && !Array.isArray(json) ? formatRecord(json) : String(json);
  }
  const rows = valueAt(json, view.list);
  const list = Array.isArray(rows) ? rows : [];
  const total = valueAt(json, "total");
  const count = typeof total === "number" ? `${list.length} of ${total} ${view.noun}` : `${list.length} ${view.noun}`;
  return `${formatTable(list, view.columns)}\n${count}`;
}
