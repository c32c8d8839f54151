import { anonymousCaller, type Caller } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";
import type { RateLimiter } from "../../core/ports/rate-limiter.js";
import type { AuthenticateHeaders } from "./bearer-authentication.js";
import { rateLimitAddress } from "./rate-limit-address.js";

/**
 * Who calls, from a request's headers and peer address alone, once its
 * rate-limit point is spent; or throws SchedError (unauthenticated,
 * rate_limited). Every call of the sched services on every protocol passes
 * through it before a byte of its body is read.
 */
export type Admit = (headers: Headers, clientAddress: string) => Promise<Caller>;

/** A server run without a verification key: nobody is asked who they are, nobody is limited. */
export const openAdmission: Admit = () => Promise.resolve(anonymousCaller);

/** Bearer-token authentication, and a point of the caller's budget when a limiter is given. */
export function admission(authenticate: AuthenticateHeaders, limiter?: RateLimiter): Admit {
  if (limiter === undefined) return (headers) => authenticate(headers);
  return (headers, clientAddress) => limitedAuthentication(() => authenticate(headers), clientAddress, limiter);
}

/**
 * Authenticates, then spends a point of the caller's budget (`role:subject`),
 * or of the client address's when authentication fails: failing costs points
 * too, so that guessing tokens is throttled.
 */
export async function limitedAuthentication(authenticate: () => Promise<Caller>, clientAddress: string, limiter: RateLimiter): Promise<Caller> {
  let caller: Caller;
  try {
    caller = await authenticate();
  } catch (error) {
    await spend(limiter, `ip:${rateLimitAddress(clientAddress)}`);
    throw error;
  }
  await spend(limiter, `${caller.role}:${caller.subject}`);
  return caller;
}

async function spend(limiter: RateLimiter, key: string): Promise<void> {
  const decision = await limiter.consume(key);
  if (!decision.allowed) {
    throw new SchedError("rate_limited", "too many requests - retry later", { retryAfterMs: decision.retryAfterMs });
  }
}
