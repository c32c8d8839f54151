/*
 * The fault-test harness (issue 7). Scenarios import everything from here.
 *
 *   const data = await createFaultData("label", { clinicians, slotsPerClinician, patients, capacity });
 *       // fresh database on the shared PostgreSQL, migrated and seeded; data.pool, data.slotIds,
 *       // data.patientIds; data.close() ends the pool and drops it. On a private cluster:
 *       // seedFaultData(dsn, options) migrates and seeds a database you created (close() ends the pool).
 *   const redis = await PrivateRedis.start();       // own redis-server on a free port, never 6379:
 *       // redis.url, pid, stop() (SIGKILL), start(), restart(), pause() (SIGSTOP), resume(), flushAll()
 *   const sched = await startSchedProcesses({ dsn, redisUrl, servers: 3, workers: 2, env: { LOCK_TTL: "1s" } });
 *       // defaults APPOINTMENT_TTL=2s, WORKER_INTERVAL=1s, SHUTDOWN_TIMEOUT=2s; sched.servers[i] and
 *       // sched.workers[i] are ManagedProcess: url, port (kept across restarts), pid, alive(),
 *       // stop(signal) (waits for the exit; SIGKILL = crash on purpose), signal("SIGSTOP"),
 *       // start() (again, same port), crashes();
 *       // sched.urls(), sched.crashes() (exits the test did not ask for), sched.stopAll() (SIGKILL).
 *   const load = new LoadDriver({ urls: sched.urls(), slotIds, patientIds, clients: 24 });
 *   load.start(); ...faults...; const summary = await load.stop();
 *       // book/confirm/cancel over REST keep-alive, round-robin over the servers; no answer or a 503 is
 *       // retried on the next server (bookings with the same Idempotency-Key). load.ledger holds every
 *       // acknowledged booking (201 + id), confirm and cancel; summary.operations[op] counts calls,
 *       // acknowledged, refusals and serverErrors by code (every 5xx seen, even one a retry got past),
 *       // transportErrors, unanswered; latencyMs;
 *       // load.takeWindow() is { answered, latencyMs } since the last window (soak sampling).
 *   const watch = new ReadinessWatch(url);           // polls /health/ready; watch.statuses(), watch.stop()
 *   const verdict = await verifyRun(data.pool, load.ledger);
 *       // invariant audit + every acknowledged booking/confirm/cancel present with its event:
 *       // verdict.audit, lost, overbooked, lostBookings, acknowledgedBookings ...
 *   recordScenarioResult({ id: "1", scenario, load: describeLoad(summary, "3 serve + 2 workers"), faults,
 *       acknowledgedBookings, lost, overbooked, details });   // merges into fault-results.json and .md
 *
 * Every process the harness starts is stopped by its pid; everything talks to 127.0.0.1 only.
 */
export { createFaultData, seedFaultData, type FaultData, type FaultDataOptions } from "./fault-data.js";
export { recordScenarioResult, resultsTable, faultResultsFile, type ScenarioResult } from "./fault-results.js";
export { freePort } from "../../support/free-port.js";
export { eventually, sleep } from "./eventually.js";
export { Ledger, type AcknowledgedBooking } from "./ledger.js";
export { LoadDriver, type LoadOptions, type LoadSummary, type Operation, type OperationStats } from "./load-driver.js";
export { PrivateRedis } from "./private-redis.js";
export { ReadinessWatch, type ReadinessSample } from "./readiness-watch.js";
export { RestTarget, type CallResult } from "./rest-call.js";
export { startSchedProcesses, ManagedProcess, type SchedProcesses, type SchedProcessesOptions, type Exit } from "./sched-processes.js";
export { verifyRun, type RunVerdict } from "./verify-run.js";
export { describeLoad, serverErrors } from "./load-words.js";
export { residentMiB } from "./process-memory.js";
export { soakChartSvg, type SoakSample } from "./soak-chart.js";
