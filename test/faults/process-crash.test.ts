import { describe, expect, it } from "vitest";
import { finishScenario, sleep, useScenario, type LoadDriver } from "./support/index.js";

const scenario = useScenario("process_crash", { servers: 3, workers: 2 });

function bookingsServedBy(load: LoadDriver, url: string): number {
  return [...load.ledger.bookings.values()].filter((booking) => booking.server === url).length;
}

describe("scenario 2: process crash", () => {
  it("SIGKILL of an API process and an expiry worker mid-run, then their restart, loses nothing", async () => {
    const [, victim] = scenario.sched.servers;
    const [worker] = scenario.sched.workers;
    const load = scenario.load({ clients: 24 });
    load.start();
    await sleep(10_000);
    const killedPids = [victim!.pid, worker!.pid];
    const [serverExit, workerExit] = await Promise.all([victim!.stop("SIGKILL"), worker!.stop("SIGKILL")]);
    const servedBeforeKill = bookingsServedBy(load, victim!.url!);
    // Clients find the other two servers while this one is gone.
    const downSince = Date.now();
    await sleep(5_000);
    const downUntil = Date.now();
    const servedWhileDown = load.ledger.bookingsBetween(downSince, downUntil);
    await Promise.all([victim!.start(), worker!.start()]);
    await sleep(15_000);
    const summary = await load.stop();
    await sleep(3_000);
    await finishScenario(scenario, {
      id: "2",
      scenario: "process crash",
      processes: "3 serve + 2 expiry-worker",
      faults: ["SIGKILL of 1 serve and 1 expiry-worker at 10 s", "both restarted 5 s later"],
      summary,
      ledger: load.ledger,
      details: { killedPids, servedBeforeKill, servedWhileDown, servedAfterRestart: bookingsServedBy(load, victim!.url!) - servedBeforeKill },
    });

    expect([serverExit.signal, workerExit.signal]).toEqual(["SIGKILL", "SIGKILL"]);
    expect(victim!.pid).not.toBe(killedPids[0]);
    // Every call was answered by some server: the clients' retries found the living ones.
    expect(Object.values(summary.operations).map((stats) => stats.unanswered)).toEqual([0, 0, 0]);
    expect(servedWhileDown).toBeGreaterThan(0);
    expect(bookingsServedBy(load, victim!.url!)).toBeGreaterThan(servedBeforeKill);
  });
});
