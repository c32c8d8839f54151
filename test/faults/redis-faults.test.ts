import { describe, expect, it } from "vitest";
import { allReport, finishScenario, ReadinessWatch, sleep, useScenario } from "./support/index.js";

// LOCK_TTL of 1 s, so that the 3-second pause outlives every lock taken just
// before it: their holders finish while another request may take the slot.
const scenario = useScenario("redis_faults", { servers: 2, workers: 1, env: { LOCK_TTL: "1s" } });

describe("scenario 3: Redis faults", () => {
  it("Redis stopped, paused past LOCK_TTL and flushed mid-run: bookings go on, readiness degrades and recovers", async () => {
    const { redis, sched } = scenario;
    const watches = sched.urls().map((url) => new ReadinessWatch(url, 100));
    const load = scenario.load({ clients: 16 });
    load.start();
    await allReport(watches, "ok", 10_000);
    await sleep(4_000);

    // Stopped: connections refused.
    const stoppedAt = Date.now();
    await redis.stop();
    await allReport(watches, "degraded", 10_000);
    await sleep(5_000);
    await redis.start();
    const restartedAt = Date.now();
    await allReport(watches, "ok", 15_000);
    await sleep(3_000);

    // Paused: connections open, nothing answers, every lock outlived.
    const pausedAt = Date.now();
    redis.pause();
    await allReport(watches, "degraded", 10_000);
    await sleep(3_000);
    redis.resume();
    const resumedAt = Date.now();
    await allReport(watches, "ok", 15_000);
    await sleep(3_000);

    // Flushed: every lock held right now vanishes.
    await redis.flushAll();
    await sleep(5_000);
    const summary = await load.stop();
    for (const watch of watches) watch.stop();
    await sleep(3_000);
    const whileStopped = load.ledger.bookingsBetween(stoppedAt, restartedAt);
    const whilePaused = load.ledger.bookingsBetween(pausedAt, resumedAt);
    const readiness = watches.map((watch) => watch.statuses());
    await finishScenario(scenario, {
      id: "3",
      scenario: "Redis faults",
      processes: "2 serve + 1 expiry-worker, LOCK_TTL 1s",
      faults: [
        `Redis killed for ${Math.round((restartedAt - stoppedAt) / 1000)} s, restarted`,
        `Redis paused (SIGSTOP) for ${Math.round((resumedAt - pausedAt) / 1000)} s, past LOCK_TTL`,
        "FLUSHALL",
      ],
      summary,
      ledger: load.ledger,
      details: { bookingsWhileRedisStopped: whileStopped, bookingsWhileRedisPaused: whilePaused, readiness },
    });

    expect(whileStopped).toBeGreaterThan(0);
    expect(whilePaused).toBeGreaterThan(0);
    // A server polled while its Redis connection is still opening reports degraded
    // until it opens, and a PostgreSQL probe slower than its deadline on a busy
    // machine shows as a moment of "unavailable": what Redis did shows in ok and
    // degraded from the first ok on.
    for (const statuses of readiness) {
      const redisStates = statuses.slice(statuses.indexOf("ok")).filter((status) => status === "ok" || status === "degraded");
      expect(redisStates.filter((status, index) => status !== redisStates[index - 1])).toEqual(["ok", "degraded", "ok", "degraded", "ok"]);
      expect(statuses).not.toContain("no answer");
    }
  });
});
