import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import type { ConnectError, HandlerContext } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import type { Caller } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";
import type { RateLimiter } from "../../core/ports/rate-limiter.js";
import { toConnectError } from "../errors/to-connect-error.js";
import type { Authenticate } from "./authenticate.js";
import { clientAddressOf } from "./client-address.js";
import { rateLimitAddress } from "./rate-limit-address.js";

/** Counts every call (see limitedAuthentication) before the core runs. */
export function rateLimitedAccess(authenticate: Authenticate, limiter: RateLimiter): Authenticate {
  return (context: HandlerContext) =>
    limitedAuthentication(() => authenticate(context), clientAddressOf(context), limiter, context.protocolName);
}

/**
 * Authenticates, then spends a point of the caller's budget (`role:subject`),
 * or of the client address's when authentication fails: failing costs points
 * too, so that guessing tokens is throttled. `protocol` is the one the
 * rate_limited error is shaped for.
 */
export async function limitedAuthentication(
  authenticate: () => Promise<Caller>,
  clientAddress: string,
  limiter: RateLimiter,
  protocol: string,
): Promise<Caller> {
  let caller: Caller;
  try {
    caller = await authenticate();
  } catch (error) {
    await spend(limiter, `ip:${rateLimitAddress(clientAddress)}`, protocol);
    throw error;
  }
  await spend(limiter, `${caller.role}:${caller.subject}`, protocol);
  return caller;
}

async function spend(limiter: RateLimiter, key: string, protocol: string): Promise<void> {
  const decision = await limiter.consume(key);
  if (!decision.allowed) throw rateLimitedError(decision.retryAfterMs, protocol);
}

/**
 * 429 / RESOURCE_EXHAUSTED with a Retry-After header (REST and Connect carry
 * an error's metadata as headers, gRPC as trailers) and a google.rpc.RetryInfo.
 */
export function rateLimitedError(retryAfterMs: number, protocol: string): ConnectError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const error = toConnectError(new SchedError("rate_limited", "too many requests - retry later"), protocol);
  error.metadata.set("retry-after", String(seconds));
  error.details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(seconds * 1000) }) });
  return error;
}
