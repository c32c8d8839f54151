import { SchedError } from "../../core/errors.js";
import { readRequestBytes, type BodyFailures } from "../http/read-request-bytes.js";
import type { NodeRequest } from "../http/node-request.js";

function tooLarge(maxBytes: number): SchedError {
  return new SchedError("request_too_large", `the request body is larger than ${maxBytes} bytes`);
}

// A client that goes away mid-body made a mistake of its own, not the server.
const restBodyFailures = (maxBytes: number): BodyFailures => ({
  tooLarge: () => tooLarge(maxBytes),
  endedEarly: () => new SchedError("invalid_request_body", "the request body ended early"),
});

/** The whole body as UTF-8 text, at most maxBytes of it (see readRequestBytes). */
export async function readBody(request: NodeRequest, maxBytes: number): Promise<string> {
  const bytes = await readRequestBytes(request, maxBytes, restBodyFailures(maxBytes));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new SchedError("invalid_request_body", "the request body is not UTF-8 text");
  }
}
