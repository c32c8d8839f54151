import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { Counter } from "prom-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRedisClient } from "../src/adapters/redis/create-redis-client.js";
import { loadHistoryRecord } from "../src/adapters/postgres/tooling/load-history-record.js";
import { RedisSlotLock } from "../src/adapters/redis/redis-slot-lock.js";
import { checkHistory } from "../src/core/history/check-history.js";
import { HistoryRecorder } from "../src/core/history/history-operation.js";
import type { AppointmentStore } from "../src/core/ports/appointment-store.js";
import type { Appointments } from "../src/core/services/appointments.js";
import { meteredSlotLock } from "../src/transport/observability/metered-slot-lock.js";
import { BookingFixture, cleanAudit } from "./support/booking-fixture.js";
import { holdUntilAnswered } from "./support/hold-until-answered.js";

// 500 patients race for 20 slots (10 of capacity 1, 10 of capacity 3) through
// four service instances, each with its own pool and its own Redis client, as
// four `sched serve` processes would. A client that is told the slot is being
// booked retries, as the error asks, until it gets a final answer. Each run
// ends with an audit of the tables, not with a count of answers.

const instances = 4;
let fixture: BookingFixture;
const redisClients: Redis[] = [];

beforeAll(async () => {
  fixture = await BookingFixture.create("booking_concurrency", 500);
});

afterEach(async () => {
  await Promise.all(redisClients.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
  await fixture.closeInstances();
});

afterAll(async () => {
  await fixture.close();
});

function redisLock(url: string, lockTtlMs: number, keyPrefix: string, commandTimeoutMs?: number): RedisSlotLock {
  const redis = createRedisClient(url);
  redisClients.push(redis);
  return new RedisSlotLock({ redis, lockTtlMs, keyPrefix, commandTimeoutMs });
}

async function race(services: Appointments[]) {
  const capacityOne = await fixture.slots(10, 1);
  const capacityThree = await fixture.slots(10, 3);
  const slotIds = [...capacityOne, ...capacityThree];
  const history = new HistoryRecorder();
  const outcomes = await Promise.all(
    fixture.patientIds.map((patientId, index) =>
      holdUntilAnswered(services[index % services.length]!, slotIds[index % slotIds.length]!, patientId, history),
    ),
  );
  return { capacityOne, capacityThree, outcomes, history, slotIds };
}

async function expectEverySlotExactlyFull(result: Awaited<ReturnType<typeof race>>) {
  for (const slotId of result.capacityOne) expect(await fixture.occupants(slotId)).toBe(1);
  for (const slotId of result.capacityThree) expect(await fixture.occupants(slotId)).toBe(3);
  expect(result.outcomes.filter((outcome) => outcome === "booked")).toHaveLength(10 * 1 + 10 * 3);
  expect(await fixture.audit()).toEqual(cleanAudit);
  // Not only the end state: at no instant of the race was a slot over its
  // capacity, and each of the 460 refusals met a full slot.
  const verdict = checkHistory(result.history.operations, await loadHistoryRecord(fixture.admin, { slotIds: result.slotIds }));
  expect(verdict.violations).toEqual([]);
  expect({ refusals: verdict.refusalsChecked, peak: verdict.peakOccupancy, filled: verdict.slotsFilled }).toEqual({ refusals: 460, peak: 3, filled: 20 });
}

describe("500 simultaneous holds on 20 slots through 4 instances", () => {
  it("fill every slot to exactly its capacity with the Redis lock, every booking made while holding it", async () => {
    const prefix = `sched-test:${randomUUID()}:`;
    // The lock counts its attempts as `sched serve` does (sched_slot_lock_attempts_total).
    const attempts = new Counter({ name: "lock_attempts", help: "slot-lock attempts by outcome", labelNames: ["outcome"], registers: [] });
    const observer = createRedisClient("redis://127.0.0.1:6379");
    redisClients.push(observer);
    const bookingsWithoutLock: string[] = [];
    let bookingCalls = 0;
    // Each booking looks for its slot's lock key in Redis before it books.
    const checkingTheLock = (store: AppointmentStore) =>
      wrapCreateHold(store, async (hold) => {
        bookingCalls += 1;
        if ((await observer.exists(prefix + hold.slotId)) !== 1) bookingsWithoutLock.push(hold.slotId);
      });
    const services = Array.from({ length: instances }, () =>
      fixture.instance({
        // Generous enough that no attempt of the burst times out and books without the lock.
        lock: meteredSlotLock(redisLock("redis://127.0.0.1:6379", 5_000, prefix, 5_000), attempts),
        wrapStore: checkingTheLock,
      }),
    );
    await expectEverySlotExactlyFull(await race(services));

    const outcomes = Object.fromEntries((await attempts.get()).values.map((value) => [value.labels.outcome, value.value]));
    expect(outcomes.unavailable ?? 0).toBe(0);
    expect(outcomes.acquired).toBe(bookingCalls);
    // The lock turned requests away, so it, not only the database, shed the burst.
    expect(outcomes.busy).toBeGreaterThan(0);
    expect(bookingsWithoutLock).toEqual([]);
  });

  it("fill every slot to exactly its capacity with Redis unreachable", async () => {
    const services = Array.from({ length: instances }, () =>
      fixture.instance({ lock: redisLock("redis://127.0.0.1:1", 5_000, "unused:") }),
    );
    const result = await race(services);
    await expectEverySlotExactlyFull(result);
  });

  it("fill every slot to exactly its capacity when lock holders pause past LOCK_TTL", async () => {
    const prefix = `sched-test:${randomUUID()}:`;
    const lockTtlMs = 50;
    // Half the instances stall between taking the lock and booking for longer
    // than the lock lives, so the lock is taken again behind their backs.
    const pausedPastTheLock = (store: AppointmentStore) => pauseBeforeBooking(store, lockTtlMs * 4);
    const services = Array.from({ length: instances }, (_, index) =>
      fixture.instance({
        lock: redisLock("redis://127.0.0.1:6379", lockTtlMs, prefix),
        wrapStore: index % 2 === 0 ? pausedPastTheLock : undefined,
      }),
    );
    await expectEverySlotExactlyFull(await race(services));
  });
});

function pauseBeforeBooking(store: AppointmentStore, pauseMs: number): AppointmentStore {
  return wrapCreateHold(store, () => sleep(pauseMs));
}

/** The store, with `before` run ahead of every createHold. */
function wrapCreateHold(store: AppointmentStore, before: (hold: Parameters<AppointmentStore["createHold"]>[1]) => Promise<unknown>): AppointmentStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === "createHold") {
        return async (...args: Parameters<AppointmentStore["createHold"]>) => {
          await before(args[1]);
          return target.createHold(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
