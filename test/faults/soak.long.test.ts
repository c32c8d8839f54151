import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDuration } from "../../src/config/duration.js";
import {
  createFaultData,
  describeLoad,
  LoadDriver,
  PrivateRedis,
  recordScenarioResult,
  residentMiB,
  serverErrors,
  sleep,
  soakChartSvg,
  startSchedProcesses,
  verifyRun,
  type FaultData,
  type SchedProcesses,
  type SoakSample,
} from "./support/index.js";

// Long mode only (npm run test:faults:long). FAULTS_SOAK_DURATION shortens it for a trial run.
const soakMs = parseDuration(process.env.FAULTS_SOAK_DURATION ?? "10m") ?? 600_000;
const sampleEveryMs = 30_000;
const chartFile = fileURLToPath(new URL("../../docs/soak.svg", import.meta.url));

let data: FaultData;
let redis: PrivateRedis;
let sched: SchedProcesses;

beforeAll(async () => {
  data = await createFaultData("soak", { clinicians: 40 });
  redis = await PrivateRedis.start();
  sched = await startSchedProcesses({ dsn: data.dsn, redisUrl: redis.url, servers: 3, workers: 2 });
});

afterAll(async () => {
  await sched?.stopAll();
  await redis?.stop();
  await data?.close();
});

describe("scenario 7: soak", () => {
  it(`holds a moderate load for ${Math.round(soakMs / 1000)} s with RSS and p99 recorded every 30 s`, async () => {
    const processes = [...sched.servers, ...sched.workers];
    const load = new LoadDriver({ urls: sched.urls(), slotIds: data.slotIds, patientIds: data.patientIds, clients: 12, thinkMs: 20 });
    const samples: SoakSample[] = [];
    const started = Date.now();
    let windowStart = started;
    load.start();
    while (Date.now() - started < soakMs) {
      await sleep(Math.min(sampleEveryMs, soakMs - (Date.now() - started)));
      const { answered, latencyMs } = load.takeWindow();
      const now = Date.now();
      const rssMiB = Object.fromEntries(processes.map((managed) => [managed.name, residentMiB(managed.pid) ?? 0]));
      const callsPerSecond = Math.round((answered * 1000) / (now - windowStart));
      samples.push({ atSeconds: Math.round((now - started) / 1000), rssMiB, p99Ms: latencyMs.p99, callsPerSecond });
      windowStart = now;
    }
    const summary = await load.stop();
    await sleep(3_000);
    const verdict = await verifyRun(data.pool, load.ledger);

    const loadWords = describeLoad(summary, "3 serve + 2 expiry-worker");
    mkdirSync(fileURLToPath(new URL("../../docs/", import.meta.url)), { recursive: true });
    writeFileSync(chartFile, soakChartSvg(samples, `sched soak: ${loadWords}; sampled every 30 s`));
    recordScenarioResult({
      id: "7",
      scenario: "soak",
      load: loadWords,
      faults: ["none; RSS and p99 sampled every 30 s (docs/soak.svg)"],
      acknowledgedBookings: verdict.acknowledgedBookings,
      lost: verdict.lost,
      overbooked: verdict.overbooked,
      details: { summary, samples, audit: verdict.audit },
    });

    expect(verdict.audit).toEqual({ overbookedSlots: [], duplicateActiveAppointments: [], trailMismatches: [], illegalStates: [] });
    expect({ lost: verdict.lost, overbooked: verdict.overbooked }).toEqual({ lost: 0, overbooked: 0 });
    expect(serverErrors(summary)).toEqual({});
    expect(sched.crashes()).toEqual([]);
    // A leak shows as memory that keeps climbing; a warmed-up process stays within twice its first sample.
    const [first, last] = [samples[0]!, samples.at(-1)!];
    for (const managed of processes) expect(last.rssMiB[managed.name]).toBeLessThan(2 * first.rssMiB[managed.name]! + 50);
  });
});
