import { describe, expect, it } from "vitest";
import { OutageProbe, type ProbeSummary } from "./support/outage-probe.js";
import { allReport, finishScenario, ReadinessWatch, sleep, useScenario } from "./support/index.js";

// The scenario's PostgreSQL is a cluster of the test's own (test/support/
// private-postgres.ts), broken three times under load: stopped cleanly (a
// fast shutdown, as in a restart or a failover), crashed (an immediate
// shutdown, recovered from WAL at the next start), and hung (every process
// SIGSTOPped: connections stay open and nothing answers, as in a network
// partition). The servers run with the default POSTGRES_CONNECT_TIMEOUT (2 s)
// and POSTGRES_QUERY_TIMEOUT (5 s).

type Fault = "fast" | "immediate" | "hung";

// Safety bounds on "fails fast": they catch a request that hangs, not a slow
// machine. A stopped server refuses connections at once. A hung one holds a
// statement until the query deadline (5.5 s), and a request queued behind
// the busy pool until its wait limit (10 s) and a connection attempt (2 s).
const failFastBoundMs: Record<Fault, number> = { fast: 5_000, immediate: 5_000, hung: 15_000 };

const faultWords: Record<Fault, string> = {
  fast: "stopped (fast shutdown)",
  immediate: "crashed (immediate shutdown)",
  hung: "hung (SIGSTOP of every process)",
};

const scenario = useScenario("postgres_outage", { servers: 2, workers: 1, postgres: "private" });

/** The statuses without `ignored`, and without the repeats its removal leaves. */
function changesIgnoring(statuses: string[], ignored: string): string[] {
  return statuses.filter((status) => status !== ignored).filter((status, index, kept) => index === 0 || status !== kept[index - 1]);
}

interface Outage {
  mode: Fault;
  downMs: number;
  /** Until every server reports ready again after the start. */
  recoveredInMs: number;
  probe: ProbeSummary;
}

describe("scenario 4: PostgreSQL outage", () => {
  it("PostgreSQL stopped, crashed and hung under load: requests fail fast with 503, nothing dies, and the service recovers by itself", async () => {
    const { data, postgres, sched } = scenario;
    const watches = sched.urls().map((url) => new ReadinessWatch(url, 100));
    // A 30 s limit per call, so that the latencies show how long the slowest
    // answer really took instead of the client giving up first.
    const load = scenario.load({ clients: 16, timeoutMs: 30_000 });
    load.start();
    await allReport(watches, "ok", 10_000);
    await sleep(5_000);

    const outages: Outage[] = [];
    let lastStartedAt = 0;
    for (const mode of ["fast", "immediate", "hung"] as const) {
      const probe = new OutageProbe(sched.urls(), data, load.ledger);
      // Probing from before the stop catches the requests the stop cuts short.
      probe.start();
      await sleep(200);
      const stoppedAt = Date.now();
      if (mode === "hung") postgres.pause();
      else await postgres.stop(mode);
      await allReport(watches, "unavailable", 10_000);
      // A hang outlasts the query deadline, so that statements under way fail.
      await sleep(mode === "hung" ? 8_000 : 5_000);
      if (mode === "hung") postgres.resume();
      else await postgres.start();
      lastStartedAt = Date.now();
      await allReport(watches, "ok", 30_000);
      const recoveredInMs = Date.now() - lastStartedAt;
      outages.push({ mode, downMs: lastStartedAt - stoppedAt, recoveredInMs, probe: await probe.stop() });
      await sleep(5_000);
    }

    const summary = await load.stop();
    for (const watch of watches) watch.stop();
    const afterRecovery = load.ledger.bookingsBetween(lastStartedAt, Date.now());
    const readiness = watches.map((watch) => watch.statuses());
    const workerLog = sched.workers[0]!.tail();

    // The only failure a client ever saw is the outage's own, never an internal error.
    await finishScenario(scenario, {
      id: "4",
      scenario: "PostgreSQL outage",
      processes: "2 serve + 1 expiry-worker on a private PostgreSQL",
      faults: outages.map(
        (outage) =>
          `PostgreSQL ${faultWords[outage.mode]} for ${Math.round(outage.downMs / 1000)} s: slowest failure ` +
          `${(outage.probe.slowestFailureMs / 1000).toFixed(1)} s, ready again ${(outage.recoveredInMs / 1000).toFixed(1)} s after it came back`,
      ),
      summary,
      ledger: load.ledger,
      details: { outages, readiness, bookingsAfterRecovery: afterRecovery },
      expectedServerErrors: ["503 unavailable"],
    });

    // No server held a call for the client's whole 30 s limit. (A reset of a
    // keep-alive connection the server was closing as it was reused is the
    // client's race, not a hang.)
    for (const stats of Object.values(summary.operations)) expect(stats.transportErrors.ETIMEDOUT ?? 0).toBe(0);
    for (const outage of outages) {
      expect(Object.keys(outage.probe.answers).filter((key) => !/^(201|409) |^503 unavailable$/.test(key)), outage.mode).toEqual([]);
      expect(outage.probe.answers["503 unavailable"], outage.mode).toBeGreaterThan(0);
      expect(outage.probe.unanswered, outage.mode).toEqual({});
      expect(outage.probe.slowestFailureMs, outage.mode).toBeLessThan(failFastBoundMs[outage.mode]);
    }
    expect(afterRecovery).toBeGreaterThan(0);
    // A moment of "degraded" (Redis not answering the probe within its 800 ms
    // while the machine is saturated) may show up at a change; the outages
    // themselves are "unavailable", and each ends "ok".
    for (const statuses of readiness) {
      expect(changesIgnoring(statuses, "degraded")).toEqual(["ok", "unavailable", "ok", "unavailable", "ok", "unavailable", "ok"]);
    }
    expect(workerLog).toMatch(/expiry run failed/);
    expect(workerLog.slice(workerLog.lastIndexOf("expiry run failed"))).toMatch(/expiry run finished/);
    for (const managed of [...sched.servers, ...sched.workers]) expect(managed.alive(), managed.name).toBe(true);
  });
});
