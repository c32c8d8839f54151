import type { RedisConnection } from "./create-redis-client.js";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from "rate-limiter-flexible";
import type { RateDecision, RateLimiter } from "../../core/ports/rate-limiter.js";

export interface RedisRateLimiterOptions {
  redis: RedisConnection;
  points: number;
  durationSeconds: number;
  /** Keeps rate-limit counters apart from anything else in the same Redis. */
  keyPrefix?: string;
  /** How long a Redis answer may take before this process counts on its own. */
  redisTimeoutMs?: number;
}

/**
 * Fixed-window counters in Redis, shared by every instance; while Redis is
 * down or slow, each process counts by itself in memory with the same
 * limits (so N instances admit up to N times the limit), and never stops
 * serving for want of Redis.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiter: RLWrapperTimeouts;

  constructor({ redis, points, durationSeconds, keyPrefix = "sched:rate", redisTimeoutMs = 250 }: RedisRateLimiterOptions) {
    const insuranceLimiter = new RateLimiterMemory({ points, duration: durationSeconds, keyPrefix });
    // A caller over its budget is refused from this process's memory until
    // its window ends, the answer Redis would give, without a round trip per
    // refused call: a flood from one caller or address stays off Redis.
    const shared = new RateLimiterRedis({
      storeClient: redis,
      points,
      duration: durationSeconds,
      keyPrefix,
      rejectIfRedisNotReady: true,
      inMemoryBlockOnConsumed: points + 1,
    });
    this.limiter = new RLWrapperTimeouts({ limiter: shared, timeoutMs: redisTimeoutMs, insuranceLimiter });
  }

  async consume(key: string): Promise<RateDecision> {
    try {
      await this.limiter.consume(key);
      return { allowed: true };
    } catch (rejection) {
      // Both limiters answer "over the limit" with a RateLimiterRes; anything
      // else would be a bug in the memory limiter, and must not lock callers out.
      if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterMs: rejection.msBeforeNext };
      return { allowed: true };
    }
  }
}
