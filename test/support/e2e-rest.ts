/*
 * Plain-fetch REST calls for the end-to-end suites, which talk to a real
 * `sched serve` process the way a REST client author would: JSON in, JSON out,
 * no code shared with the server.
 */

// REST bodies are checked against the shapes of docs/api.md field by field; `any` keeps that readable.
export type Json = any;

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** RFC 3339 in UTC, as docs/api.md says: "…Z", never an offset. */
export const utcTimePattern = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;

export interface RestAnswer {
  status: number;
  /** The parsed JSON body; undefined when the body is empty. */
  body: Json;
  /** The raw body text. */
  text: string;
  headers: Headers;
}

/**
 * One REST call. A string body is sent as is (for malformed JSON); anything
 * else is JSON-encoded. A body that is not JSON is an error of the server,
 * except where the test asks for the raw text.
 */
export async function restCall(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RestAnswer> {
  const init: RequestInit = {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    signal: AbortSignal.timeout(20_000),
  };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await fetch(`${baseUrl}${path}`, init);
  const text = await response.text();
  let parsed: Json;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** One REST call that must succeed: its body, or an error naming the call and the answer. */
export async function restOk(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Json> {
  const answer = await restCall(baseUrl, method, path, body, headers);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.body;
}

/** Milliseconds since the epoch of an RFC 3339 time, keeping sub-millisecond digits as a fraction. */
export function timeValue(text: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (match === null) throw new Error(`not an RFC 3339 time: ${text}`);
  const fraction = match[2] ?? "";
  return Date.parse(`${match[1]}${match[3]}`) + (fraction === "" ? 0 : Number(`0.${fraction}`) * 1000);
}
