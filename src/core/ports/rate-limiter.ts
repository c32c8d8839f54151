export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Counts requests per key (a caller, or a client address) against a fixed window. */
export interface RateLimiter {
  consume(key: string): Promise<RateDecision>;
}
