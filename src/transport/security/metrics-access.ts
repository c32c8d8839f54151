import { SchedError } from "../../core/errors.js";
import type { AuthenticateHeaders } from "./bearer-authentication.js";

/** Admits a request's headers to a route, or throws a SchedError. */
export type AuthorizeHeaders = (headers: Headers) => Promise<void>;

/** Metrics describe the whole service, so only staff and services may scrape them. */
export function metricsAccess(authenticate: AuthenticateHeaders): AuthorizeHeaders {
  return async (headers) => {
    const caller = await authenticate(headers);
    if (caller.role === "patient") throw new SchedError("permission_denied", "metrics are for staff and services");
  };
}
