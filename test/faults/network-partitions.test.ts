import { describe, expect, it } from "vitest";
import { OutageProbe, type ProbeSummary } from "./support/outage-probe.js";
import type { Store } from "./support/partition-network.js";
import { allReport, finishScenario, ReadinessWatch, sleep, useScenario, type ManagedProcess } from "./support/index.js";

// Every sched process runs in a network namespace of its own, joined to the
// private Redis and PostgreSQL by a bridge (test/faults/support/
// partition-network.ts). A cut drops every packet between a namespace and a
// store while every process stays up: connections stay open and nothing
// answers. Three cuts under load, each healed: every API process and the
// worker from Redis, then from PostgreSQL, then one server from both.

// Safety bounds on "answered within the deadline", which catch a request that
// hangs, not a slow machine. Without Redis a booking waits at most the lock's
// and the rate limiter's 250 ms Redis deadlines; without PostgreSQL a statement
// waits its query deadline (5.5 s), and a request queued behind the busy pool
// its wait limit (10 s) and a connection attempt (2 s), as in the hung
// PostgreSQL of scenario 4.
const slowestBoundMs: Record<string, number> = { redis: 5_000, postgres: 15_000, "one server": 15_000 };

const scenario = useScenario("partitions", { servers: 3, workers: 1, postgres: "private", network: "namespaces" });

interface Cut {
  name: "redis" | "postgres" | "one server";
  words: string;
  cutAt: number;
  healedAt: number;
  /** From the cut until every cut server reported the expected status. */
  reportedInMs: number;
  /** From the heal until every server reported ok again. */
  recoveredInMs: number;
  /** Events PostgreSQL dated from the cut to the heal (its own clock: the start of the writing transaction). */
  eventsDuringCut: number;
  /** Bookings acknowledged while the cut lasted, by any server, and by the servers that were cut. */
  bookingsDuringCut: number;
  bookingsByCutServers: number;
  probe: ProbeSummary;
}

describe("scenario 10: network partitions", () => {
  it("API↔Redis, API↔PostgreSQL and one API from both cut under load and healed: answers within deadlines, readiness tells the truth, nothing lost or overbooked", async () => {
    const { data, network, sched } = scenario;
    const watches = new Map(sched.servers.map((server) => [server, new ReadinessWatch(server.url!, 100)]));
    const load = scenario.load({ clients: 16, timeoutMs: 30_000 });
    load.start();
    // On a saturated machine a Redis probe slower than its 800 ms deadline shows as "degraded" for a moment.
    await allReport([...watches.values()], "ok", 30_000);
    await sleep(4_000);

    const cuts: Cut[] = [];
    const cut = async (name: Cut["name"], words: string, processes: ManagedProcess[], stores: Store[], expected: string, holdMs: number): Promise<void> => {
      const servers = processes.filter((managed) => managed.role === "serve");
      const probe = new OutageProbe(servers.map((server) => server.url!), data, load.ledger);
      probe.start();
      await sleep(200);
      await Promise.all(processes.map((managed) => network.cut(managed.placement!, stores)));
      const cutAt = Date.now();
      await allReport(servers.map((server) => watches.get(server)!), expected, 15_000);
      const reportedInMs = Date.now() - cutAt;
      await sleep(holdMs);
      const healedAt = Date.now();
      await Promise.all(processes.map((managed) => network.heal(managed.placement!)));
      await allReport([...watches.values()], "ok", 30_000);
      const recoveredInMs = Date.now() - healedAt;
      const cutUrls = new Set(servers.map((server) => server.url!));
      const during = [...load.ledger.bookings.values()].filter((booking) => booking.at > cutAt && booking.at < healedAt);
      const events = await data.pool.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM event_logs WHERE created_at > to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0)",
        [cutAt, healedAt],
      );
      cuts.push({
        name,
        words,
        cutAt,
        healedAt,
        eventsDuringCut: events.rows[0]!.count,
        reportedInMs,
        recoveredInMs,
        bookingsDuringCut: during.length,
        // A booking the server had committed just before the cut may still be answered just after it.
        bookingsByCutServers: during.filter((booking) => cutUrls.has(booking.server) && booking.at > cutAt + 1_000).length,
        probe: await probe.stop(),
      });
      await sleep(3_000);
    };

    const everyProcess = [...sched.servers, ...sched.workers];
    await cut("redis", "every API process and the worker cut from Redis", everyProcess, ["redis"], "degraded", 6_000);
    // Past the query deadline, so that statements under way fail.
    await cut("postgres", "every API process and the worker cut from PostgreSQL", everyProcess, ["postgres"], "unavailable", 8_000);
    // Past the query deadline and a new connection's after it (5.5 s + 2 s):
    // the probe books on serve-1 alone, one call at a time, and a call that
    // met a connection cut mid-statement ends only then; a shorter cut can
    // heal first, and that call then succeeds, leaving no 503 to see.
    await cut("one server", "serve-1 cut from Redis and PostgreSQL", [sched.servers[0]!], ["redis", "postgres"], "unavailable", 10_000);

    const summary = await load.stop();
    for (const watch of watches.values()) watch.stop();
    // Holds lapse and the worker sweeps them before the audit.
    await sleep(3_000);
    const lastHealedAt = cuts.at(-1)!.healedAt;
    const afterHealing = load.ledger.bookingsBetween(lastHealedAt, Date.now());
    const readiness = Object.fromEntries(
      [...watches].map(([server, watch]) => [server.name, watch.changes.map((change) => `${change.status} ${change.at - cuts[0]!.cutAt} ms`)]),
    );
    const workerLog = sched.workers[0]!.tail();

    await finishScenario(scenario, {
      id: "10",
      scenario: "Network partitions",
      processes: "3 serve + 1 expiry-worker, each in its own network namespace",
      faults: cuts.map(
        (c) =>
          `${c.words} for ${Math.round((c.healedAt - c.cutAt) / 1000)} s: readiness told in ${(c.reportedInMs / 1000).toFixed(1)} s, ` +
          `slowest answer ${(c.probe.slowestMs / 1000).toFixed(1)} s, ${c.bookingsDuringCut} bookings acknowledged meanwhile, ` +
          `ready ${(c.recoveredInMs / 1000).toFixed(1)} s after healing`,
      ),
      summary,
      ledger: load.ledger,
      details: { cuts, readiness, bookingsAfterHealing: afterHealing },
      expectedServerErrors: ["503 unavailable"],
    });

    const [redisCut, postgresCut, oneServerCut] = cuts as [Cut, Cut, Cut];
    // No server held a call for the client's whole 30 s limit.
    for (const stats of Object.values(summary.operations)) expect(stats.transportErrors.ETIMEDOUT ?? 0).toBe(0);
    for (const c of cuts) {
      expect(c.probe.unanswered, c.name).toEqual({});
      expect(c.probe.slowestMs, c.name).toBeLessThan(slowestBoundMs[c.name]!);
    }
    // Without Redis, bookings go on, and nothing but successes and refusals comes back.
    expect(Object.keys(redisCut.probe.answers).filter((key) => !/^(201|409) /.test(key))).toEqual([]);
    expect(redisCut.bookingsByCutServers).toBeGreaterThan(0);
    // Without PostgreSQL, 503 (after what was under way at the cut).
    for (const c of [postgresCut, oneServerCut]) {
      expect(Object.keys(c.probe.answers).filter((key) => !/^(201|409) |^503 unavailable$/.test(key)), c.name).toEqual([]);
      expect(c.probe.answers["503 unavailable"], c.name).toBeGreaterThan(0);
    }
    // The cut was real: with every process cut off, PostgreSQL recorded no change until the heal,
    // and no booking reached the client from serve-1 well after it was cut off.
    expect(postgresCut.eventsDuringCut).toBe(0);
    expect(oneServerCut.bookingsByCutServers).toBe(0);
    // The other two servers kept booking while serve-1 was cut off.
    expect(oneServerCut.bookingsDuringCut).toBeGreaterThan(0);
    expect(afterHealing).toBeGreaterThan(0);

    // Readiness tells the truth: from a second after a cut until its heal, no
    // cut server claims what it cannot reach, and every one answers the probe.
    // (A probe slower than its 800 ms deadline on a saturated machine may show
    // "unavailable" without a cut, the pessimistic side, which is not checked.)
    const truthful: Record<Cut["name"], string[]> = { redis: ["degraded", "unavailable"], postgres: ["unavailable"], "one server": ["unavailable"] };
    for (const c of cuts) {
      const cutServers = c.name === "one server" ? [sched.servers[0]!] : sched.servers;
      for (const server of cutServers) {
        const seen = watches.get(server)!.changes.filter((change) => change.at > c.cutAt + 1_000 && change.at < c.healedAt).map((change) => change.status);
        expect(seen.filter((status) => !truthful[c.name].includes(status)), `${c.name}: ${server.name}`).toEqual([]);
      }
    }

    // The worker lost PostgreSQL with the rest, and ran again once healed.
    expect(workerLog).toMatch(/expiry run failed/);
    expect(workerLog.slice(workerLog.lastIndexOf("expiry run failed"))).toMatch(/expiry run finished/);
    for (const managed of everyProcess) expect({ name: managed.name, exits: managed.exits.length }).toEqual({ name: managed.name, exits: 0 });
  });
});
