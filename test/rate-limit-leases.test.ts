import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "../src/adapters/redis/create-redis-client.js";
import { RedisRateLimiter } from "../src/adapters/redis/redis-rate-limiter.js";

// A large budget is taken from Redis a hundredth at a time, so that a busy
// caller is counted without a round trip per call; whatever the processes
// hold, together they never admit more than the budget.

const redis = createRedisClient("redis://127.0.0.1:6379");
beforeAll(() => (redis.status === "ready" ? undefined : new Promise<void>((resolve) => redis.once("ready", () => resolve()))));
afterAll(() => redis.disconnect());

const newPrefix = (): string => `test:rate:${randomBytes(6).toString("hex")}`;

async function storedCount(prefix: string, key: string): Promise<number> {
  return Number(await redis.get(`${prefix}:${key}`));
}

async function admittedOf(limiter: RedisRateLimiter, key: string, calls: number): Promise<number> {
  const decisions = await Promise.all(Array.from({ length: calls }, () => limiter.consume(key)));
  return decisions.filter((decision) => decision.allowed).length;
}

describe("a large budget taken in blocks", () => {
  it("asks Redis once for a hundredth of the budget, and spends it from memory", async () => {
    const prefix = newPrefix();
    const limiter = new RedisRateLimiter({ redis, points: 10_000, durationSeconds: 60, keyPrefix: prefix });
    // Fifty calls at once wait for one block instead of taking fifty.
    expect(await admittedOf(limiter, "staff:desk", 50)).toBe(50);
    expect(await storedCount(prefix, "staff:desk")).toBe(100);
    expect(await admittedOf(limiter, "staff:desk", 50)).toBe(50);
    expect(await storedCount(prefix, "staff:desk")).toBe(100);
    // The 101st call takes the next block.
    expect(await limiter.consume("staff:desk")).toEqual({ allowed: true });
    expect(await storedCount(prefix, "staff:desk")).toBe(200);
  });

  it("admits no more than the budget across processes sharing Redis, and refuses the rest with Retry-After", async () => {
    const prefix = newPrefix();
    const points = 1_000;
    const processes = Array.from({ length: 4 }, () => new RedisRateLimiter({ redis, points, durationSeconds: 60, keyPrefix: prefix }));
    const answers = await Promise.all(
      processes.flatMap((limiter) => Array.from({ length: 20 }, async () => Promise.all(Array.from({ length: 25 }, () => limiter.consume("service:feed"))))),
    );
    const decisions = answers.flat();
    const admitted = decisions.filter((decision) => decision.allowed).length;
    expect(decisions).toHaveLength(2_000);
    // Each process may be left holding fewer than one block (10 points) when the budget runs out.
    expect(admitted).toBeLessThanOrEqual(points);
    expect(admitted).toBeGreaterThanOrEqual(points - 4 * 9);
    for (const decision of decisions) {
      if (decision.allowed) continue;
      expect(decision.retryAfterMs).toBeGreaterThan(0);
      expect(decision.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it("grants what was left of the budget when a block crosses it", async () => {
    const prefix = newPrefix();
    // 497 of 500 points already spent, by other processes: a block of 5 crosses the budget.
    await redis.set(`${prefix}:patient:p`, "497", "EX", 60);
    const limiter = new RedisRateLimiter({ redis, points: 500, durationSeconds: 60, keyPrefix: prefix });
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push(await limiter.consume("patient:p"));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false, false, false]);
    // The refusals came from memory: Redis counted the one block.
    expect(await storedCount(prefix, "patient:p")).toBe(502);
  });

  it("drops the points it holds when their window ends, and counts the next window in Redis", async () => {
    const prefix = newPrefix();
    const limiter = new RedisRateLimiter({ redis, points: 1_000, durationSeconds: 1, keyPrefix: prefix });
    expect(await limiter.consume("staff:desk")).toEqual({ allowed: true });
    expect(await storedCount(prefix, "staff:desk")).toBe(10);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // The window (and its key) is gone: the nine points left here go with it.
    expect(await redis.exists(`${prefix}:staff:desk`)).toBe(0);
    expect(await limiter.consume("staff:desk")).toEqual({ allowed: true });
    expect(await storedCount(prefix, "staff:desk")).toBe(10);
  });
});
