import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/config/duration.js";
import { describeLoad, finishScenario, residentMiB, sleep, soakChartSvg, useScenario, type SoakSample } from "./support/index.js";

// Long mode only (npm run test:faults:long). FAULTS_SOAK_DURATION shortens it for a trial run.
const soakMs = parseDuration(process.env.FAULTS_SOAK_DURATION ?? "10m") ?? 600_000;
const sampleEveryMs = 30_000;
const chartFile = fileURLToPath(new URL("../../docs/soak.svg", import.meta.url));

const scenario = useScenario("soak", { servers: 3, workers: 2, seed: { clinicians: 40 } });

describe("scenario 7: soak", () => {
  it(`holds a moderate load for ${Math.round(soakMs / 1000)} s with RSS and p99 recorded every 30 s`, async () => {
    const processes = [...scenario.sched.servers, ...scenario.sched.workers];
    const load = scenario.load({ clients: 12, thinkMs: 20 });
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

    const setup = "3 serve + 2 expiry-worker";
    mkdirSync(fileURLToPath(new URL("../../docs/", import.meta.url)), { recursive: true });
    writeFileSync(chartFile, soakChartSvg(samples, `sched soak: ${describeLoad(summary, setup)}; sampled every 30 s`));
    await finishScenario(scenario, {
      id: "7",
      scenario: "soak",
      processes: setup,
      faults: ["none; RSS and p99 sampled every 30 s (docs/soak.svg)"],
      summary,
      ledger: load.ledger,
      details: { samples },
    });

    // A leak shows as memory that keeps climbing; a warmed-up process stays within twice its first sample.
    const [first, last] = [samples[0]!, samples.at(-1)!];
    for (const managed of processes) expect(last.rssMiB[managed.name]).toBeLessThan(2 * first.rssMiB[managed.name]! + 50);
  });
});
