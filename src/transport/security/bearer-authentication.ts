import type { Caller } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";
import type { TokenVerifier } from "../../core/ports/token-verifier.js";

/** Establishes the caller from a request's headers, or throws SchedError("unauthenticated"). */
export type AuthenticateHeaders = (headers: Headers) => Promise<Caller>;

// RFC 6750 section 2.1's b64token, which every JWT is.
const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * REST's `Authorization: Bearer …` and gRPC/Connect's `authorization`
 * metadata are the same header by the time a handler context holds it.
 */
export function bearerAuthentication(verifier: TokenVerifier): AuthenticateHeaders {
  return async (headers) => {
    const token = bearer.exec(headers.get("authorization") ?? "")?.[1];
    if (token === undefined) throw new SchedError("unauthenticated", "authentication required");
    return verifier.verify(token);
  };
}
