import type { JsonValue } from "@bufbuild/protobuf";
import type { NodeResponse } from "./http-route.js";

/** Writes a whole JSON answer (REST, health, refusals), with any headers the handler set. */
export function writeJson(response: NodeResponse, status: number, body: JsonValue, headers?: Headers): void {
  // A client that went away, or an answer already under way, cannot take another.
  if (response.headersSent || response.destroyed) return;
  headers?.forEach((value, name) => response.setHeader(name, value));
  response.statusCode = status;
  response.setHeader("content-type", "application/json; charset=utf-8");
  response.end(JSON.stringify(body));
}
