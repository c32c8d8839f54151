import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFaultData,
  describeLoad,
  LoadDriver,
  PrivateRedis,
  recordScenarioResult,
  serverErrors,
  sleep,
  startSchedProcesses,
  verifyRun,
  type FaultData,
  type SchedProcesses,
} from "./support/index.js";

let data: FaultData;
let redis: PrivateRedis;
let sched: SchedProcesses;

beforeAll(async () => {
  data = await createFaultData("scale_out");
  redis = await PrivateRedis.start();
  sched = await startSchedProcesses({ dsn: data.dsn, redisUrl: redis.url, servers: 3, workers: 2 });
});

afterAll(async () => {
  await sched?.stopAll();
  await redis?.stop();
  await data?.close();
});

describe("scenario 1: scale-out", () => {
  it("three servers and two expiry workers on one database and Redis lose nothing and overbook nothing", async () => {
    const load = new LoadDriver({ urls: sched.urls(), slotIds: data.slotIds, patientIds: data.patientIds, clients: 24 });
    load.start();
    await sleep(30_000);
    const summary = await load.stop();
    // Holds of the last seconds lapse and the workers expire them before the audit.
    await sleep(3_000);
    const verdict = await verifyRun(data.pool, load.ledger);
    const { rows } = await data.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_logs WHERE event_type = 'APPOINTMENT_EXPIRED'`,
    );
    recordScenarioResult({
      id: "1",
      scenario: "scale-out",
      load: describeLoad(summary, "3 serve + 2 expiry-worker"),
      faults: ["none (traffic dealt round-robin over the 3 servers)"],
      acknowledgedBookings: verdict.acknowledgedBookings,
      lost: verdict.lost,
      overbooked: verdict.overbooked,
      details: { summary, expiredEvents: rows[0]!.n, audit: verdict.audit },
    });

    expect(verdict.audit).toEqual({ overbookedSlots: [], duplicateActiveAppointments: [], trailMismatches: [], illegalStates: [] });
    expect({ lost: verdict.lost, overbooked: verdict.overbooked }).toEqual({ lost: 0, overbooked: 0 });
    expect(serverErrors(summary)).toEqual({});
    expect(summary.operations.book.unanswered).toBe(0);
    expect(verdict.acknowledgedBookings).toBeGreaterThan(0);
    expect(verdict.acknowledgedConfirms).toBeGreaterThan(0);
    expect(verdict.acknowledgedCancels).toBeGreaterThan(0);
    for (const url of sched.urls()) expect(summary.bookingsByServer[url]).toBeGreaterThan(0);
    expect(rows[0]!.n).toBeGreaterThan(0);
    expect(sched.crashes()).toEqual([]);
  });
});
