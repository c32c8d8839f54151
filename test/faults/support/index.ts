/*
 * The fault-test harness (issue 7). Scenarios import everything from here.
 *
 *   const scenario = useScenario("label", { servers: 3, workers: 2, env: { LOCK_TTL: "1s" },
 *       seed: { clinicians, slotsPerClinician, patients, capacity },
 *       postgres: "shared" | "private", redis: "private" | { cluster: { nodeTimeoutMs } },
 *       network: "loopback" | "namespaces" });
 *       // registers beforeAll/afterAll; from the first test on, scenario.data, scenario.sched and the
 *       // one of scenario.redis / scenario.cluster / scenario.postgres the options asked for are live.
 *       // afterAll SIGKILLs every process, stops Redis, drops the database (or the private cluster).
 *   scenario.data       // FaultData: a migrated, seeded database (label faults_<label> on the shared
 *       // PostgreSQL, or "sched" on the private cluster); data.pool, data.slotIds, data.patientIds.
 *       // Without useScenario: createFaultData(label, seed) / seedFaultData(dsn, seed).
 *   scenario.redis      // PrivateRedis: own redis-server on a free port, never 6379: url, pid,
 *       // stop() (SIGKILL), start(), restart(), pause() (SIGSTOP), resume(), flushAll()
 *   scenario.cluster    // PrivateRedisCluster (test/support/private-redis-cluster.ts); the processes get
 *       // REDIS_CLUSTER_NODES: kill(i), restart(i), state()
 *   scenario.postgres   // PrivatePostgres (test/support/private-postgres.ts): stop(mode), start(), pause(), resume(),
 *       // kill() (SIGKILL of every process), promote() (a standby made with { standbyOf })
 *   scenario.network    // PartitionNetwork (network: "namespaces"): each process in a network namespace of its own,
 *       // the stores on a bridge; cut(process.placement, ["redis", "postgres"]) drops their packets, heal() lifts it
 *   useFailoverStack(label, { replication, servers, workers })   // a primary, its pg_basebackup standby and
 *       // HAProxy in front (failover-stack.ts): primary.kill(), failOver() promotes and repoints, promotedData()
 *   scenario.sched      // startSchedProcesses({ dsn, redisUrl, servers, workers, env }):
 *       // defaults APPOINTMENT_TTL=2s, WORKER_INTERVAL=1s, SHUTDOWN_TIMEOUT=2s; sched.servers[i] and
 *       // sched.workers[i] are ManagedProcess: url, port (kept across restarts), pid, alive(),
 *       // stop(signal) (waits for the exit; SIGKILL = crash on purpose), signal("SIGSTOP"),
 *       // start() (again, same port), crashes();
 *       // sched.urls(), sched.crashes() (exits the test did not ask for), sched.stopAll() (SIGKILL).
 *   const load = scenario.load({ clients: 24, thinkMs, timeoutMs });   // a LoadDriver over every server
 *   load.start(); ...faults...; const summary = await load.stop();
 *       // book/confirm/cancel over REST keep-alive, round-robin over the servers; no answer or a 503 is
 *       // retried on the next server (bookings with the same Idempotency-Key). load.ledger holds every
 *       // acknowledged booking (201 + id), confirm and cancel; summary.operations[op] counts calls,
 *       // acknowledged, refusals and serverErrors by code (every 5xx seen, even one a retry got past),
 *       // transportErrors, unanswered; latencyMs;
 *       // load.takeWindow() is { answered, latencyMs } since the last window (soak sampling).
 *   const watch = new ReadinessWatch(url);           // polls /health/ready; watch.statuses(), watch.stop()
 *   await allReport(watches, "degraded", 10_000);    // until every watched server reports the status
 *   const verdict = await finishScenario(scenario, { id: "1", scenario: "scale-out",
 *       processes: "3 serve + 2 expiry-worker", faults, summary, ledger: load.ledger, details,
 *       expectedServerErrors: ["503 unavailable"] });
 *       // the end every scenario shares: verifyRun (invariant audit + every acknowledged
 *       // booking/confirm/cancel present with its event), recordScenarioResult (fault-results.json
 *       // and .md), then expects a clean audit, lost 0, overbooked 0, no 5xx but the expected ones,
 *       // no crash; returns the verdict (audit, lost, overbooked, acknowledgedBookings ...) for the
 *       // scenario's own assertions.
 *
 * Every process the harness starts is stopped by its pid; everything talks to 127.0.0.1 only.
 */
export { createFaultData, seedFaultData, type FaultData, type FaultDataOptions } from "./fault-data.js";
export { recordScenarioResult, resultsTable, faultResultsFile, type ScenarioResult } from "./fault-results.js";
export { freePort } from "../../support/free-port.js";
export { eventually, sleep } from "../../support/eventually.js";
export { Ledger, type AcknowledgedBooking } from "./ledger.js";
export { LoadDriver, type LoadOptions, type LoadSummary, type Operation, type OperationStats } from "./load-driver.js";
export { PrivateRedis } from "../../support/private-redis.js";
export { allReport, ReadinessWatch, type ReadinessSample } from "./readiness-watch.js";
export { RestTarget, type CallResult } from "./rest-call.js";
export { startSchedProcesses, ManagedProcess, type Placement, type SchedProcesses, type SchedProcessesOptions, type Exit } from "./sched-processes.js";
export { verifyRun, type RunVerdict } from "./verify-run.js";
export { describeLoad, serverErrors } from "./load-words.js";
export { residentMiB } from "./process-memory.js";
export { soakChartSvg, type SoakSample } from "./soak-chart.js";
export { useScenario, type Scenario, type ScenarioOptions } from "./use-scenario.js";
export { finishScenario, type MeasuredLoss, type ScenarioEnding } from "./scenario-ending.js";
