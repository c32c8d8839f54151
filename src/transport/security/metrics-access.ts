import { SchedError } from "../../core/errors.js";
import type { RateLimiter } from "../../core/ports/rate-limiter.js";
import type { AuthenticateHeaders } from "./bearer-authentication.js";
import { limitedAuthentication } from "./admission.js";

/** Admits a request (its headers, from its client address) to a route, or throws. */
export type AuthorizeHeaders = (headers: Headers, clientAddress: string) => Promise<void>;

/**
 * Metrics describe the whole service, so only staff and services may scrape
 * them. Their token checks spend from the same budgets as RPCs, or /metrics
 * would be a free oracle for guessing tokens.
 */
export function metricsAccess(authenticate: AuthenticateHeaders, limiter?: RateLimiter): AuthorizeHeaders {
  return async (headers, clientAddress) => {
    const identify = () => authenticate(headers);
    const caller = await (limiter === undefined ? identify() : limitedAuthentication(identify, clientAddress, limiter));
    if (caller.role === "patient") throw new SchedError("permission_denied", "metrics are for staff and services");
  };
}
