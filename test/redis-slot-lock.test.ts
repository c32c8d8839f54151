import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { createRedisClient, reconnectDelayMs, redisClientOptions } from "../src/adapters/redis/create-redis-client.js";
import { RedisSlotLock } from "../src/adapters/redis/redis-slot-lock.js";
import type { Logger } from "../src/core/ports/logger.js";
import type { LockAttempt } from "../src/core/ports/slot-lock.js";
import { PrivateRedis } from "./support/private-redis.js";

const sharedRedisUrl = "redis://127.0.0.1:6379";
const outageWarning = "redis unavailable, booking without the slot lock";
const recoveryNotice = "redis available again";

interface LogEntry {
  level: "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown>;
}

function capturingLogger(): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record = (level: LogEntry["level"]) => (fields: Record<string, unknown>, message: string) => {
    entries.push({ level, message, fields });
  };
  return { logger: { info: record("info"), warn: record("warn"), error: record("error") }, entries };
}

function messagesOf(entries: LogEntry[]): string[] {
  return entries.map((entry) => `${entry.level}: ${entry.message}`);
}

async function eventually<T>(probe: () => Promise<T | undefined>, withinMs = 5_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await sleep(20);
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsedMs: number }> {
  const started = performance.now();
  const value = await work();
  return { value, elapsedMs: performance.now() - started };
}

function acquiredOrUndefined(attempt: LockAttempt): Extract<LockAttempt, { outcome: "acquired" }> | undefined {
  return attempt.outcome === "acquired" ? attempt : undefined;
}

async function mustAcquire(lock: { tryAcquire(slotId: string): Promise<LockAttempt> }, slotId: string) {
  const attempt = await lock.tryAcquire(slotId);
  if (attempt.outcome !== "acquired") throw new Error(`expected to acquire ${slotId}, got ${attempt.outcome}`);
  return attempt;
}

function uniquePrefix(): string {
  return `sched-test:${randomUUID()}:`;
}

describe("RedisSlotLock on a healthy Redis", () => {
  const keyPrefix = uniquePrefix();
  const inspector = new Redis(sharedRedisUrl);
  const { logger, entries } = capturingLogger();
  const clients: Redis[] = [];

  // A generous timeout: these tests are about locking, not about a busy machine.
  function lockWith(lockTtlMs: number): RedisSlotLock {
    const client = createRedisClient(sharedRedisUrl);
    clients.push(client);
    return new RedisSlotLock({ redis: client, lockTtlMs, keyPrefix, logger, commandTimeoutMs: 5_000 });
  }

  afterAll(async () => {
    const keys = await inspector.keys(`${keyPrefix}*`);
    if (keys.length > 0) await inspector.del(...keys);
    await inspector.quit();
    await Promise.all(clients.map((client) => client.quit().catch(() => undefined)));
  });

  it("acquires a free slot at once, even on a client that is still connecting", async () => {
    const lock = lockWith(60_000);
    expect((await lock.tryAcquire("fresh-client")).outcome).toBe("acquired");
    expect(entries).toEqual([]);
  });

  it("turns a second acquirer of a held slot away, under the prefix, with the lock's lifetime", async () => {
    const lock = lockWith(60_000);
    await mustAcquire(lock, "held");
    expect((await lock.tryAcquire("held")).outcome).toBe("busy");
    expect((await lock.tryAcquire("another-slot")).outcome).toBe("acquired");
    const remainingMs = await inspector.pttl(`${keyPrefix}held`);
    expect(remainingMs).toBeGreaterThan(50_000);
    expect(remainingMs).toBeLessThanOrEqual(60_000);
  });

  it("frees the slot on release", async () => {
    const lock = lockWith(60_000);
    const first = await mustAcquire(lock, "released");
    await first.release();
    expect(await inspector.exists(`${keyPrefix}released`)).toBe(0);
    expect((await lock.tryAcquire("released")).outcome).toBe("acquired");
  });

  it("writes a release within the call, before anything its caller does next", async () => {
    const lock = lockWith(60_000);
    const held = await mustAcquire(lock, "released-at-once");
    // A booking does not wait for the release's reply; what it does next is answer its client.
    void held.release();
    expect(await inspector.exists(`${keyPrefix}released-at-once`)).toBe(0);
  });

  it("lets the lock expire by itself after lockTtlMs", async () => {
    const lock = lockWith(100);
    const started = Date.now();
    await mustAcquire(lock, "expiring");
    expect((await lock.tryAcquire("expiring")).outcome).toBe("busy");
    await eventually(async () => acquiredOrUndefined(await lock.tryAcquire("expiring")), 2_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it("never lets a holder whose lock expired delete the next holder's lock", async () => {
    const lock = lockWith(100);
    const paused = await mustAcquire(lock, "stale");
    const next = await eventually(async () => acquiredOrUndefined(await lock.tryAcquire("stale")), 2_000);
    const nextToken = await inspector.get(`${keyPrefix}stale`);

    await paused.release();

    expect(await inspector.get(`${keyPrefix}stale`)).toBe(nextToken);
    expect((await lock.tryAcquire("stale")).outcome).toBe("busy");
    await next.release();
    expect(await inspector.exists(`${keyPrefix}stale`)).toBe(0);
  });

  it("gives one slot to exactly one of 200 concurrent acquirers", async () => {
    const lock = lockWith(60_000);
    const attempts = await Promise.all(Array.from({ length: 200 }, () => lock.tryAcquire("hot")));
    const outcomes = attempts.map((attempt) => attempt.outcome);
    expect(outcomes.filter((outcome) => outcome === "acquired")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "busy")).toHaveLength(199);
  });

  it("reports itself available and logs nothing while Redis answers", async () => {
    const lock = lockWith(60_000);
    expect(await lock.isAvailable()).toBe(true);
    expect(entries).toEqual([]);
  });

  it("closes its client", async () => {
    const client = createRedisClient(sharedRedisUrl);
    const lock = new RedisSlotLock({ redis: client, lockTtlMs: 1_000, keyPrefix });
    await lock.isAvailable();
    await lock.close();
    expect(client.status).toBe("end");
  });
});

describe("RedisSlotLock when Redis is unreachable", () => {
  const { logger, entries } = capturingLogger();
  const client = createRedisClient("redis://127.0.0.1:1");
  const lock = new RedisSlotLock({ redis: client, lockTtlMs: 5_000, keyPrefix: uniquePrefix(), logger });

  afterAll(() => lock.close());

  it("answers unavailable well under a second, every time", async () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const { value, elapsedMs } = await timed(() => lock.tryAcquire(`slot-${attempt}`));
      expect(value.outcome).toBe("unavailable");
      expect(elapsedMs).toBeLessThan(1_000);
    }
    const burst = await timed(() => Promise.all(Array.from({ length: 100 }, () => lock.tryAcquire("hot"))));
    expect(burst.value.every((attempt) => attempt.outcome === "unavailable")).toBe(true);
    expect(burst.elapsedMs).toBeLessThan(1_000);
  });

  it("warns once for the whole outage and reports itself unavailable", async () => {
    expect(await lock.isAvailable()).toBe(false);
    expect(messagesOf(entries)).toEqual([`warn: ${outageWarning}`]);
    expect(entries[0]?.fields).toHaveProperty("reason");
  });

  it("closes without waiting for Redis, and stops reconnecting", async () => {
    const { elapsedMs } = await timed(() => lock.close());
    expect(elapsedMs).toBeLessThan(2_000);
    let reconnections = 0;
    client.on("connecting", () => (reconnections += 1));
    // Longer than the longest delay between two reconnection attempts.
    await sleep(reconnectDelayMs(Number.MAX_SAFE_INTEGER) + 500);
    expect(reconnections).toBe(0);
  });
});

describe("RedisSlotLock when Redis stalls", () => {
  const commandTimeoutMs = 250;
  const keyPrefix = uniquePrefix();
  const { logger, entries } = capturingLogger();
  let server: PrivateRedis;
  let client: Redis;
  let lock: RedisSlotLock;
  // A client as another module might build it: offline queue, no command timeout.
  let plainClient: Redis;
  let plainLock: RedisSlotLock;

  beforeAll(async () => {
    server = await PrivateRedis.start();
    client = createRedisClient(server.url);
    plainClient = new Redis(server.port, "127.0.0.1");
    plainClient.on("error", () => {});
    lock = new RedisSlotLock({ redis: client, lockTtlMs: 60_000, commandTimeoutMs, keyPrefix, logger });
    plainLock = new RedisSlotLock({ redis: plainClient, lockTtlMs: 60_000, commandTimeoutMs, keyPrefix });
    await eventually(async () => ((await lock.isAvailable()) && (await plainLock.isAvailable()) ? true : undefined));
  });

  afterAll(async () => {
    client.disconnect();
    plainClient.disconnect();
    await server.stop();
  });

  it("answers unavailable within the timeout while Redis is paused, then recovers", async () => {
    const heldBeforePause = await eventually(async () => acquiredOrUndefined(await lock.tryAcquire("held")));
    const logsBeforePause = entries.length;
    server.pause();

    for (let attempt = 0; attempt < 3; attempt += 1) {
      const { value, elapsedMs } = await timed(() => lock.tryAcquire("tried-while-paused"));
      expect(value.outcome).toBe("unavailable");
      expect(elapsedMs).toBeLessThan(2_000);
    }
    const burst = await timed(() => Promise.all(Array.from({ length: 50 }, (_, index) => lock.tryAcquire(`burst-${index}`))));
    expect(burst.value.every((attempt) => attempt.outcome === "unavailable")).toBe(true);
    expect(burst.elapsedMs).toBeLessThan(2_000);

    const plainAttempt = await timed(() => plainLock.tryAcquire("plain"));
    expect(plainAttempt.value.outcome).toBe("unavailable");
    expect(plainAttempt.elapsedMs).toBeLessThan(2_000);

    const releasing = await timed(() => heldBeforePause.release());
    expect(releasing.elapsedMs).toBeLessThan(2_000);
    expect(await lock.isAvailable()).toBe(false);

    server.resume();
    await eventually(async () => acquiredOrUndefined(await lock.tryAcquire(`after-pause-${randomUUID()}`)));
    expect(messagesOf(entries.slice(logsBeforePause))).toEqual([`warn: ${outageWarning}`, `info: ${recoveryNotice}`]);
    expect(await lock.isAvailable()).toBe(true);
  });

  it("frees a lock that Redis granted only after the caller had stopped waiting", async () => {
    const slot = `granted-late-${randomUUID()}`;
    await eventually(async () => ((await lock.isAvailable()) ? true : undefined));
    server.pause();
    try {
      // The SET reaches the paused server and waits there past the timeout.
      expect((await lock.tryAcquire(slot)).outcome).toBe("unavailable");
    } finally {
      server.resume();
    }
    // Redis grants it on resuming, with a 60 s lifetime: acquiring it again
    // within seconds proves the late grant was released, not left to expire.
    await eventually(async () => acquiredOrUndefined(await lock.tryAcquire(slot)), 5_000);
  });
});

describe("InProcessSlotLock", () => {
  it("turns a second acquirer away and frees the slot on release", async () => {
    const lock = new InProcessSlotLock({ lockTtlMs: 60_000 });
    const first = await mustAcquire(lock, "slot");
    expect((await lock.tryAcquire("slot")).outcome).toBe("busy");
    expect((await lock.tryAcquire("other")).outcome).toBe("acquired");
    await first.release();
    expect((await lock.tryAcquire("slot")).outcome).toBe("acquired");
  });

  it("lets the lock expire by itself after lockTtlMs", async () => {
    const lock = new InProcessSlotLock({ lockTtlMs: 50 });
    const started = performance.now();
    await mustAcquire(lock, "slot");
    expect((await lock.tryAcquire("slot")).outcome).toBe("busy");
    await eventually(async () => acquiredOrUndefined(await lock.tryAcquire("slot")), 2_000);
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
  });

  it("never lets a holder whose lock expired free the next holder's lock", async () => {
    const lock = new InProcessSlotLock({ lockTtlMs: 50 });
    const paused = await mustAcquire(lock, "slot");
    const next = await eventually(async () => acquiredOrUndefined(await lock.tryAcquire("slot")), 2_000);
    await paused.release();
    expect((await lock.tryAcquire("slot")).outcome).toBe("busy");
    await next.release();
    expect((await lock.tryAcquire("slot")).outcome).toBe("acquired");
  });

  it("is always available", async () => {
    expect(await new InProcessSlotLock({ lockTtlMs: 1_000 }).isAvailable()).toBe(true);
  });
});

describe("createRedisClient", () => {
  it("fails commands at once while disconnected and never stops reconnecting", () => {
    const options = redisClientOptions();
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.lazyConnect).toBe(false);
    expect([1, 10, 1_000, 1_000_000].map(reconnectDelayMs)).toEqual([100, 1_000, 2_000, 2_000]);
  });

  it("listens for connection errors so ioredis never reports them as unhandled", async () => {
    const client = createRedisClient("redis://127.0.0.1:1");
    expect(client.listenerCount("error")).toBeGreaterThan(0);
    client.disconnect();
  });
});
