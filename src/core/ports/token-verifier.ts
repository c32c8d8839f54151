import type { VerifiedCaller } from "../access/caller.js";

/**
 * Turns a bearer token into the caller it was issued to. Any failure (bad
 * signature, wrong algorithm, expired, not yet valid, wrong issuer or
 * audience, unknown role) is SchedError("unauthenticated") with one message,
 * so that an answer never tells which check failed.
 */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedCaller>;
}
