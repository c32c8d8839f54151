import { randomUUID } from "node:crypto";
import type { NodeRequest } from "./http-route.js";

// A caller's id is kept when it is a plausible token; anything else (too
// long, spaces, control characters) would pollute logs, so it is replaced.
const acceptableId = /^[\x21-\x7e]{1,128}$/;

/** The caller's X-Request-ID, or a new one. */
export function requestIdOf(req: NodeRequest): string {
  const sent = req.headers["x-request-id"];
  const id = Array.isArray(sent) ? sent[0] : sent;
  return id !== undefined && acceptableId.test(id) ? id : randomUUID();
}
