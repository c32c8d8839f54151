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

/**
 * Counts every call against its caller (`role:subject`), and a call without
 * a valid token against its client address, before the core runs. Failing
 * authentication costs points too, so that guessing tokens is throttled.
 */
export function rateLimitedAccess(authenticate: Authenticate, limiter: RateLimiter): Authenticate {
  return async (context) => {
    let caller: Caller;
    try {
      caller = await authenticate(context);
    } catch (error) {
      await spend(limiter, `ip:${clientAddressOf(context)}`, context);
      throw error;
    }
    await spend(limiter, `${caller.role}:${caller.subject}`, context);
    return caller;
  };
}

async function spend(limiter: RateLimiter, key: string, context: HandlerContext): Promise<void> {
  const decision = await limiter.consume(key);
  if (!decision.allowed) throw rateLimitedError(decision.retryAfterMs, context.protocolName);
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
