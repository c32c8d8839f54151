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
  data = await createFaultData("process_crash");
  redis = await PrivateRedis.start();
  sched = await startSchedProcesses({ dsn: data.dsn, redisUrl: redis.url, servers: 3, workers: 2 });
});

afterAll(async () => {
  await sched?.stopAll();
  await redis?.stop();
  await data?.close();
});

function bookingsServedBy(load: LoadDriver, url: string): number {
  return [...load.ledger.bookings.values()].filter((booking) => booking.server === url).length;
}

describe("scenario 2: process crash", () => {
  it("SIGKILL of an API process and an expiry worker mid-run, then their restart, loses nothing", async () => {
    const [, victim] = sched.servers;
    const [worker] = sched.workers;
    const load = new LoadDriver({ urls: sched.urls(), slotIds: data.slotIds, patientIds: data.patientIds, clients: 24 });
    load.start();
    await sleep(10_000);
    const killedPids = [victim!.pid, worker!.pid];
    const [serverExit, workerExit] = await Promise.all([victim!.stop("SIGKILL"), worker!.stop("SIGKILL")]);
    const servedBeforeKill = bookingsServedBy(load, victim!.url!);
    // Clients find the other two servers while this one is gone.
    await sleep(5_000);
    const servedWhileDown = load.ledger.bookings.size;
    await Promise.all([victim!.start(), worker!.start()]);
    await sleep(15_000);
    const summary = await load.stop();
    await sleep(3_000);
    const verdict = await verifyRun(data.pool, load.ledger);

    recordScenarioResult({
      id: "2",
      scenario: "process crash",
      load: describeLoad(summary, "3 serve + 2 expiry-worker"),
      faults: ["SIGKILL of 1 serve and 1 expiry-worker at 10 s", "both restarted 5 s later"],
      acknowledgedBookings: verdict.acknowledgedBookings,
      lost: verdict.lost,
      overbooked: verdict.overbooked,
      details: { summary, killedPids, servedBeforeKill, servedAfterRestart: bookingsServedBy(load, victim!.url!) - servedBeforeKill, audit: verdict.audit },
    });

    expect([serverExit.signal, workerExit.signal]).toEqual(["SIGKILL", "SIGKILL"]);
    expect(victim!.pid).not.toBe(killedPids[0]);
    expect(verdict.audit).toEqual({ overbookedSlots: [], duplicateActiveAppointments: [], trailMismatches: [], illegalStates: [] });
    expect({ lost: verdict.lost, overbooked: verdict.overbooked }).toEqual({ lost: 0, overbooked: 0 });
    expect(serverErrors(summary)).toEqual({});
    // Every call was answered by some server: the clients' retries found the living ones.
    expect(Object.values(summary.operations).map((stats) => stats.unanswered)).toEqual([0, 0, 0]);
    expect(servedWhileDown).toBeGreaterThan(0);
    expect(bookingsServedBy(load, victim!.url!)).toBeGreaterThan(servedBeforeKill);
    expect(sched.crashes()).toEqual([]);
  });
});
