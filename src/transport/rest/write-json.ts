import type { JsonValue } from "@bufbuild/protobuf";

/**
 * What the REST layer needs of a Node response: http's and http2's fit, and
 * so does connect-node's NodeServerResponse, which a fallback handler gets.
 */
export interface NodeResponse {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(chunk: string): unknown;
  once(event: "close" | "finish", listener: () => void): unknown;
  off(event: "close", listener: () => void): unknown;
}

/** Writes a whole JSON answer, with any headers the handler set. */
export function writeJson(response: NodeResponse, status: number, body: JsonValue, headers?: Headers): void {
  // A client that went away, or an answer already under way, cannot take another.
  if (response.headersSent || response.destroyed) return;
  headers?.forEach((value, name) => response.setHeader(name, value));
  response.statusCode = status;
  response.setHeader("content-type", "application/json; charset=utf-8");
  response.end(JSON.stringify(body));
}
