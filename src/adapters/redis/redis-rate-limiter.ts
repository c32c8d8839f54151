import type { RedisConnection } from "./create-redis-client.js";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from "rate-limiter-flexible";
import type { RateDecision, RateLimiter } from "../../core/ports/rate-limiter.js";
import { PointLeases, type Reservation } from "./point-leases.js";

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
 * The share of a caller's budget one process takes from Redis at a time
 * (see point-leases.ts); below 200 points a block is one point, and every
 * call asks Redis.
 */
export const leaseShareOfBudget = 1 / 100;

/**
 * Fixed-window counters in Redis, shared by every instance; while Redis is
 * down or slow, each process counts by itself in memory with the same
 * limits (so N instances admit up to N times the limit), and never stops
 * serving for want of Redis. A process takes a large budget from Redis in
 * blocks of a hundredth of it (leaseShareOfBudget), so that a busy caller's
 * calls are counted without a Redis round trip each, and never beyond the
 * budget.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiter: RLWrapperTimeouts;
  private readonly points: number;
  private readonly leases: PointLeases | undefined;

  constructor({ redis, points, durationSeconds, keyPrefix = "sched:rate", redisTimeoutMs = 250 }: RedisRateLimiterOptions) {
    this.points = points;
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
    const leaseSize = Math.floor(points * leaseShareOfBudget);
    this.leases = leaseSize > 1 ? new PointLeases((key, wanted) => this.reserve(key, wanted), leaseSize) : undefined;
  }

  async consume(key: string): Promise<RateDecision> {
    if (this.leases !== undefined) return this.leases.take(key);
    const reservation = await this.reserve(key, 1);
    return reservation.granted > 0 ? { allowed: true } : { allowed: false, retryAfterMs: reservation.retryAfterMs ?? 0 };
  }

  private async reserve(key: string, wanted: number): Promise<Reservation> {
    try {
      const granted = await this.limiter.consume(key, wanted);
      return { granted: wanted, windowMs: granted.msBeforeNext };
    } catch (rejection) {
      // Anything but a RateLimiterRes would be a bug in the memory limiter,
      // and must not lock callers out: the call goes through, nothing is held.
      if (!(rejection instanceof RateLimiterRes)) return { granted: 1, windowMs: 0 };
      // Both limiters refuse a block that crosses the budget whole, having
      // counted it; what was left of the budget before it is still this
      // process's to spend. A refusal from the in-memory block counted nothing.
      const before = rejection.consumedPoints - wanted;
      if (rejection.consumedPoints >= wanted && before < this.points) return { granted: this.points - before, windowMs: rejection.msBeforeNext };
      return { granted: 0, retryAfterMs: rejection.msBeforeNext };
    }
  }
}
