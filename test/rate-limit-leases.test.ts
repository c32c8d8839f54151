import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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
    const firstWindowEnds = Date.now() + 1_000;
    await new Promise((resolve) => setTimeout(resolve, firstWindowEnds - Date.now() + 50));
    // The nine points left from the first window are gone: the second
    // window's block of ten serves ten calls, and the eleventh takes another.
    for (let i = 0; i < 11; i++) expect(await limiter.consume("staff:desk")).toEqual({ allowed: true });
    expect(await storedCount(prefix, "staff:desk")).toBe(20);
  });

  it("renews a block a call was spent from when its window ends, so that the next window's calls do not wait for Redis", async () => {
    const prefix = newPrefix();
    const limiter = new RedisRateLimiter({ redis, points: 1_000, durationSeconds: 1, keyPrefix: prefix });
    expect(await limiter.consume("staff:desk")).toEqual({ allowed: true });
    const firstWindowEnds = Date.now() + 1_000;
    // Nobody called in between: the process took the next window's block by itself.
    await untilSecondWindow(prefix, "staff:desk", firstWindowEnds);
    expect(await storedCount(prefix, "staff:desk")).toBe(10);
    for (let i = 0; i < 5; i++) expect(await limiter.consume("staff:desk")).toEqual({ allowed: true });
    // Spent from that block: Redis was not asked again.
    expect(await storedCount(prefix, "staff:desk")).toBe(10);
  });

  it("lets a renewed block lapse when no call was spent from it", async () => {
    const prefix = newPrefix();
    const limiter = new RedisRateLimiter({ redis, points: 1_000, durationSeconds: 1, keyPrefix: prefix });
    expect(await limiter.consume("patient:p")).toEqual({ allowed: true });
    await untilSecondWindow(prefix, "patient:p", Date.now() + 1_000);
    // No call in the second window: its block is not renewed, and the key stays gone.
    await vi.waitFor(async () => expect(await redis.exists(`${prefix}:patient:p`)).toBe(0), { timeout: 3_000, interval: 5 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await redis.exists(`${prefix}:patient:p`)).toBe(0);
  });
});

/** Waits until the first window has ended in Redis and a second one has begun (its key exists again). */
async function untilSecondWindow(prefix: string, key: string, firstWindowEndsAt: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstWindowEndsAt - Date.now() + 20)));
  await vi.waitFor(async () => expect(await redis.exists(`${prefix}:${key}`)).toBe(1), { timeout: 3_000, interval: 5 });
}
