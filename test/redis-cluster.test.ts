import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadHistoryRecord } from "../src/adapters/postgres/tooling/load-history-record.js";
import { createRedisConnection } from "../src/adapters/redis/create-redis-client.js";
import { RedisSlotLock } from "../src/adapters/redis/redis-slot-lock.js";
import { checkHistory } from "../src/core/history/check-history.js";
import { HistoryRecorder } from "../src/core/history/history-operation.js";
import type { LockAttempt } from "../src/core/ports/slot-lock.js";
import { BookingFixture, cleanAudit } from "./support/booking-fixture.js";
import { holdUntilAnswered } from "./support/hold-until-answered.js";
import { http1Request } from "./support/http-clients.js";
import { createPrivateRedisCluster, type PrivateRedisCluster } from "./support/private-redis-cluster.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

// A three-master Redis Cluster of the test's own: the slot lock through
// ioredis' cluster client, the same bookings race as booking-concurrency, a
// real `sched serve` configured with REDIS_CLUSTER_NODES, and finally a
// master killed under the lock.

let cluster: PrivateRedisCluster;
let fixture: BookingFixture;
let server: ServerProcess;
const clients: Array<Redis | Cluster> = [];

beforeAll(async () => {
  [cluster, fixture] = await Promise.all([createPrivateRedisCluster({ nodeTimeoutMs: 1_000 }), BookingFixture.create("redis_cluster", 300)]);
  server = await startServerProcess({ POSTGRES_DSN: fixture.database.dsn, REDIS_CLUSTER_NODES: cluster.nodeList });
});

afterAll(async () => {
  await server?.stop("SIGKILL");
  for (const client of clients.splice(0)) client.disconnect();
  await fixture?.close();
  await cluster?.destroy();
});

// The correctness tests give each call 2 s instead of the default 250 ms, so
// that a saturated machine cannot turn an answer into "unavailable"; the last
// test keeps the default, which is what bounds a call to a dead master.
function clusterLock(lockTtlMs: number, keyPrefix = `sched-test:${randomUUID()}:`, commandTimeoutMs = 2_000): RedisSlotLock {
  const redis = createRedisConnection({
    url: "redis://127.0.0.1:6379",
    clusterNodes: cluster.masters.map(({ host, port }) => ({ host, port })),
  });
  clients.push(redis);
  return new RedisSlotLock({ redis, lockTtlMs, keyPrefix, commandTimeoutMs });
}

describe("the slot lock on a Redis Cluster", () => {
  it("takes, refuses and releases locks whose keys live on every master", async () => {
    const prefix = `sched-test:${randomUUID()}:`;
    const first = clusterLock(5_000, prefix);
    const second = clusterLock(5_000, prefix);
    const slotIds = Array.from({ length: 30 }, () => randomUUID());
    const held = await Promise.all(slotIds.map((slotId) => first.tryAcquire(slotId)));
    expect(held.map((attempt) => attempt.outcome)).toEqual(slotIds.map(() => "acquired"));
    const contended = await Promise.all(slotIds.map((slotId) => second.tryAcquire(slotId)));
    expect(contended.map((attempt) => attempt.outcome)).toEqual(slotIds.map(() => "busy"));
    await Promise.all(held.map((attempt) => (attempt as Extract<LockAttempt, { outcome: "acquired" }>).release()));
    const retaken = await Promise.all(slotIds.map((slotId) => second.tryAcquire(slotId)));
    expect(retaken.map((attempt) => attempt.outcome)).toEqual(slotIds.map(() => "acquired"));
    expect(await first.isAvailable()).toBe(true);
    // Every master holds some of the locks: all three took part.
    const keyCounts = await Promise.all(cluster.masters.map((_, index) => cluster.keyCount(index)));
    expect(keyCounts.every((count) => count > 0), `keys per master: ${keyCounts.join(", ")}`).toBe(true);
  });

  it("never frees a lock that expired and was taken again (compare-and-delete through the cluster)", async () => {
    const prefix = `sched-test:${randomUUID()}:`;
    const stale = clusterLock(100, prefix);
    const fresh = clusterLock(5_000, prefix);
    const slotId = randomUUID();
    const old = await stale.tryAcquire(slotId);
    expect(old.outcome).toBe("acquired");
    await sleep(250);
    expect((await fresh.tryAcquire(slotId)).outcome).toBe("acquired");
    await (old as Extract<LockAttempt, { outcome: "acquired" }>).release();
    expect((await stale.tryAcquire(slotId)).outcome).toBe("busy");
  });

  it("lets 300 simultaneous holds on 20 slots through 4 instances fill every slot to exactly its capacity", async () => {
    const services = Array.from({ length: 4 }, () => fixture.instance({ lock: clusterLock(5_000, "sched:slot-lock:") }));
    const capacityOne = await fixture.slots(10, 1);
    const capacityThree = await fixture.slots(10, 3);
    const slotIds = [...capacityOne, ...capacityThree];
    const history = new HistoryRecorder();
    const outcomes = await Promise.all(
      fixture.patientIds.map((patientId, index) => holdUntilAnswered(services[index % 4]!, slotIds[index % slotIds.length]!, patientId, history)),
    );
    for (const slotId of capacityOne) expect(await fixture.occupants(slotId)).toBe(1);
    for (const slotId of capacityThree) expect(await fixture.occupants(slotId)).toBe(3);
    expect(outcomes.filter((outcome) => outcome === "booked")).toHaveLength(40);
    expect(await fixture.audit()).toEqual(cleanAudit);
    // At every instant of the race, not only at its end; each refusal met a full slot.
    const verdict = checkHistory(history.operations, await loadHistoryRecord(fixture.admin, { slotIds }));
    expect(verdict.violations).toEqual([]);
    expect(verdict.refusalsChecked).toBe(260);
    await fixture.closeInstances();
  });
});

async function readiness(): Promise<{ status: number; body: unknown }> {
  const answer = await http1Request(server.port, { path: "/health/ready" });
  return { status: answer.status, body: JSON.parse(answer.body) };
}

describe("sched serve with REDIS_CLUSTER_NODES", () => {
  it("is ready with the cluster, books through the lock, and counts the lock's outcomes", async () => {
    expect(await readiness()).toEqual({ status: 200, body: { status: "ok", checks: { postgres: "ok", redis: "ok" } } });
    const [slotId] = await fixture.slots(1);
    const booked = await http1Request(server.port, {
      method: "POST",
      path: "/appointments",
      body: JSON.stringify({ slot_id: slotId, patient_id: fixture.patientIds[0] }),
    });
    expect(booked.status).toBe(201);
    const metrics = (await http1Request(server.port, { path: "/metrics" })).body;
    expect(metrics).toMatch(/sched_slot_lock_attempts_total\{outcome="acquired"\} [1-9]/);
  });
});

describe("a master killed under the lock", () => {
  it("turns the lock's answers for its keys into unavailable within the command timeout, and reports Redis unavailable once the cluster fails", async () => {
    const lock = clusterLock(5_000, undefined, 250);
    await expect.poll(() => lock.isAvailable(), { timeout: 10_000 }).toBe(true);
    await cluster.kill(1);
    const started = performance.now();
    const attempts = await Promise.all(Array.from({ length: 60 }, () => lock.tryAcquire(randomUUID())));
    const elapsedMs = performance.now() - started;
    const outcomes = new Set(attempts.map((attempt) => attempt.outcome));
    expect([...outcomes].every((outcome) => outcome === "acquired" || outcome === "unavailable")).toBe(true);
    expect(outcomes.has("unavailable")).toBe(true);
    // The lock bounds each call at 250 ms; this is a safety limit, not a speed claim.
    expect(elapsedMs).toBeLessThan(5_000);
    await expect.poll(() => cluster.state(), { timeout: 15_000 }).toBe("fail");
    expect(await lock.isAvailable()).toBe(false);
  });

  it("leaves sched serve ready but degraded, booking without the lock, and stopping cleanly", async () => {
    await expect.poll(readiness, { timeout: 10_000 }).toEqual({
      status: 200,
      body: { status: "degraded", checks: { postgres: "ok", redis: "unavailable" } },
    });
    const [slotId] = await fixture.slots(1);
    const booked = await http1Request(server.port, {
      method: "POST",
      path: "/appointments",
      body: JSON.stringify({ slot_id: slotId, patient_id: fixture.patientIds[1] }),
    });
    expect(booked.status).toBe(201);
    expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});
