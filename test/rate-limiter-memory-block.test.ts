import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "../src/adapters/redis/create-redis-client.js";
import { RedisRateLimiter } from "../src/adapters/redis/redis-rate-limiter.js";

// A caller over its budget is refused from memory for the rest of its window,
// with no Redis round trip per refused call, and the same answer Redis gives.

const redis = createRedisClient("redis://127.0.0.1:6379");
// Until the client is ready the limiter counts in memory (its insurance): the test needs Redis.
beforeAll(() => (redis.status === "ready" ? undefined : new Promise<void>((resolve) => redis.once("ready", () => resolve()))));
afterAll(() => redis.disconnect());

/** The count Redis holds for a key of a limiter (rate-limiter-flexible stores it under `prefix:key`). */
async function storedCount(prefix: string, key: string): Promise<number> {
  return Number(await redis.get(`${prefix}:${key}`));
}

describe("the Redis rate limiter", () => {
  it("counts in Redis up to the budget, then refuses from memory until the window ends", async () => {
    const prefix = `test:rate:${randomBytes(6).toString("hex")}`;
    const limiter = new RedisRateLimiter({ redis, points: 3, durationSeconds: 10, keyPrefix: prefix });
    for (let i = 0; i < 3; i++) expect(await limiter.consume("staff:desk")).toEqual({ allowed: true });
    expect(await storedCount(prefix, "staff:desk")).toBe(3);
    expect(await limiter.consume("staff:desk")).toMatchObject({ allowed: false });
    expect(await storedCount(prefix, "staff:desk")).toBe(4);
    for (let i = 0; i < 50; i++) {
      const decision = await limiter.consume("staff:desk");
      expect(decision.allowed).toBe(false);
      expect(decision.allowed === false && decision.retryAfterMs).toBeGreaterThan(0);
      expect(decision.allowed === false && decision.retryAfterMs).toBeLessThanOrEqual(10_000);
    }
    // Fifty refusals, and Redis was not asked once more.
    expect(await storedCount(prefix, "staff:desk")).toBe(4);
    // Another caller still has its own budget, counted in Redis.
    expect(await limiter.consume("staff:other")).toEqual({ allowed: true });
    expect(await storedCount(prefix, "staff:other")).toBe(1);
  });

  it("admits the caller again once its window has ended", async () => {
    const limiter = new RedisRateLimiter({ redis, points: 1, durationSeconds: 1, keyPrefix: `test:rate:${randomBytes(6).toString("hex")}` });
    expect(await limiter.consume("patient:p")).toEqual({ allowed: true });
    const refused = await limiter.consume("patient:p");
    expect(refused.allowed).toBe(false);
    await new Promise((r) => setTimeout(r, (refused.allowed === false ? refused.retryAfterMs : 1000) + 50));
    expect(await limiter.consume("patient:p")).toEqual({ allowed: true });
  });
});
