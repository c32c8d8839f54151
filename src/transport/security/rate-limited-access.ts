import type { HandlerContext } from "@connectrpc/connect";
import type { Caller } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";
import type { RateLimiter } from "../../core/ports/rate-limiter.js";
import type { Authenticate } from "./authenticate.js";
import { clientAddressOf } from "./client-address.js";
import { rateLimitAddress } from "./rate-limit-address.js";

/** Counts every call (see limitedAuthentication) before the core runs. */
export function rateLimitedAccess(authenticate: Authenticate, limiter: RateLimiter): Authenticate {
  return (context: HandlerContext) =>
    limitedAuthentication(() => authenticate(context), clientAddressOf(context), limiter);
}

/**
 * Authenticates, then spends a point of the caller's budget (`role:subject`),
 * or of the client address's when authentication fails: failing costs points
 * too, so that guessing tokens is throttled.
 */
export async function limitedAuthentication(
  authenticate: () => Promise<Caller>,
  clientAddress: string,
  limiter: RateLimiter,
): Promise<Caller> {
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
