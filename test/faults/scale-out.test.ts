import { describe, expect, it } from "vitest";
import { finishScenario, sleep, useScenario } from "./support/index.js";

const scenario = useScenario("scale_out", { servers: 3, workers: 2 });

describe("scenario 1: scale-out", () => {
  it("three servers and two expiry workers on one database and Redis lose nothing and overbook nothing", async () => {
    const { data, sched } = scenario;
    const load = scenario.load({ clients: 24 });
    load.start();
    await sleep(30_000);
    const summary = await load.stop();
    // Holds of the last seconds lapse and the workers expire them before the audit.
    await sleep(3_000);
    const { rows } = await data.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_logs WHERE event_type = 'APPOINTMENT_EXPIRED'`,
    );
    const verdict = await finishScenario(scenario, {
      id: "1",
      scenario: "scale-out",
      processes: "3 serve + 2 expiry-worker",
      faults: ["none (traffic dealt round-robin over the 3 servers)"],
      summary,
      ledger: load.ledger,
      details: { expiredEvents: rows[0]!.n },
    });

    expect(summary.operations.book.unanswered).toBe(0);
    expect(verdict.acknowledgedBookings).toBeGreaterThan(0);
    expect(verdict.acknowledgedConfirms).toBeGreaterThan(0);
    expect(verdict.acknowledgedCancels).toBeGreaterThan(0);
    for (const url of sched.urls()) expect(summary.bookingsByServer[url]).toBeGreaterThan(0);
    expect(rows[0]!.n).toBeGreaterThan(0);
  });
});
