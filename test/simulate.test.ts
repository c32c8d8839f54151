import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createPool } from "../src/adapters/postgres/pool.js";
import { auditInvariants } from "../src/adapters/postgres/tooling/audit-invariants.js";
import { LatencySamples } from "../src/cli/simulate/latency-samples.js";
import type { SimulationReport } from "../src/cli/simulate/simulation-report.js";
import { chooseOperation, normalisedMix } from "../src/cli/simulate/traffic-mix.js";
import { cleanAudit } from "./support/booking-fixture.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall } from "./support/e2e-rest.js";
import { runCli } from "./support/run-cli.js";
import { spawnSched, startServerProcess, type SchedChild, type ServerProcess } from "./support/sched-process.js";

const emptyDir = mkdtempSync(join(tmpdir(), "sched-simulate-"));

let database: TestDatabase;
let pool: pg.Pool;
const servers: ServerProcess[] = [];
const expiryWorkers: SchedChild[] = [];

// Holds last two seconds, so that many lapse during a ten-second run and the
// expiry workers, running every second, have work to race over.
beforeAll(async () => {
  database = await createTestDatabase("simulate");
  await migrate(database.dsn);
  pool = createPool(database.dsn, { max: 2 });
  const seeded = await runCli(["seed", "--clinicians", "10", "--patients", "200", "--weeks", "1"], { POSTGRES_DSN: database.dsn }, emptyDir);
  expect(seeded).toMatchObject({ code: 0, stderr: "" });
  const env = { POSTGRES_DSN: database.dsn, APPOINTMENT_TTL: "2s" };
  servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
  for (let n = 0; n < 2; n += 1) {
    expiryWorkers.push(
      spawnSched(["expiry-worker", "--worker-interval", "1s"], { env: { POSTGRES_DSN: database.dsn }, keepChars: 64 * 1024 }),
    );
  }
});

afterAll(async () => {
  for (const worker of expiryWorkers) worker.signal("SIGTERM");
  await Promise.all(servers.map((server) => server.stop()));
  await pool?.end();
  await database?.drop();
});

// Each run loads the 200 soonest slots that still have room, so that the
// runs after the first find slots the earlier ones left free: a run finding
// no room at all refuses to start.
function simulate(args: string[]) {
  return runCli(
    ["simulate", ...servers.flatMap((server) => ["--url", server.url]), "--json", "--slot-limit", "200", ...args],
    { POSTGRES_DSN: database.dsn },
    emptyDir,
  );
}

async function expiredByWorkers(): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM event_logs WHERE event_type = 'APPOINTMENT_EXPIRED' AND payload->>'reason' = 'expiry_worker'`,
  );
  return rows[0]!.n;
}

describe("sched simulate against two servers and two expiry workers", () => {
  it("runs 50 workers for 10 s over REST with no errors and ends with a clean audit", async () => {
    const { code, stdout, stderr } = await simulate(["--duration", "10s", "--workers", "50"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as SimulationReport;
    const { booking, confirm, read, all } = report.operations;
    console.log(`sched simulate (REST, 50 workers, two servers): ${all.throughput} calls/s, p99 ${all.latencyMs.p99} ms`);
    expect(report.settings).toMatchObject({ protocol: "rest", workers: 50, durationMs: 10_000, patientsLoaded: 200, slotsLoaded: 200 });
    expect(booking.success).toBeGreaterThan(0);
    expect(confirm.success).toBeGreaterThan(0);
    expect(read.success).toBeGreaterThan(0);
    expect(all.errors).toBe(0);
    expect(all.total).toBe(booking.total + confirm.total + read.total);
    expect(all.latencyMs.min).toBeLessThanOrEqual(all.latencyMs.p50);
    expect(all.latencyMs.p50).toBeLessThanOrEqual(all.latencyMs.p99);
    expect(all.latencyMs.p99).toBeLessThanOrEqual(all.latencyMs.max);
    expect(report).toMatchObject({ audit: cleanAudit, invariantsHold: true, verdict: "invariants: all hold" });
    // Every booking and confirmation was checked against the database's record, not only its end state.
    expect(report.history).toMatchObject({ valid: true, violationCount: 0, violations: [] });
    expect(report.history.operations).toBe(booking.total + confirm.total);
    expect(report.history.acknowledged).toBe(booking.success + confirm.success);
    expect(report.history.appointments).toBeGreaterThanOrEqual(booking.success);
    for (const server of servers) {
      expect(server.logLines().some((line) => String(line.path).startsWith("/appointments"))).toBe(true);
    }
  });

  it("leaves holds that lapsed to the expiry workers, and the database passes its own audit", async () => {
    // A booking sweeps its slot's lapsed holds itself, so a busy enough run may
    // leave the workers nothing: one hold on a slot nobody else books lapses
    // for them alone.
    const { rows } = await pool.query<{ slot_id: string; patient_id: string }>(
      `WITH slot AS (
         INSERT INTO appointment_slots (clinician_id, start_time, end_time)
         SELECT id, '2098-01-05T08:00:00Z', '2098-01-05T08:30:00Z' FROM clinicians LIMIT 1
         RETURNING id
       )
       SELECT slot.id AS slot_id, (SELECT id FROM patients LIMIT 1) AS patient_id FROM slot`,
    );
    const hold = await restCall(servers[0]!.url, "POST", "/appointments", rows[0]);
    expect(hold.status).toBe(201);
    await expect.poll(expiredByWorkers, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await auditInvariants(pool)).toEqual(cleanAudit);
  });

  it.each(["connect", "grpc"])("drives the %s protocol too", async (protocol) => {
    const { code, stdout, stderr } = await simulate(["--protocol", protocol, "--duration", "2s", "--workers", "10"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as SimulationReport;
    const { booking, all } = report.operations;
    // The REST run may have taken every slot: refusals read as conflicts, not errors, over this protocol too.
    expect(booking.success + booking.conflicts).toBe(booking.total);
    expect(booking.total).toBeGreaterThan(0);
    expect(all.success).toBeGreaterThan(0);
    expect(all.errors).toBe(0);
    expect(report.invariantsHold).toBe(true);
  });

  it("reports a broken invariant with exit code 1 and one line naming it", async () => {
    // A booking written around the service: a change with no event in the log.
    await pool.query(
      `WITH slot AS (
         INSERT INTO appointment_slots (clinician_id, start_time, end_time)
         SELECT id, '2099-01-05T08:00:00Z', '2099-01-05T08:30:00Z' FROM clinicians LIMIT 1
         RETURNING id
       )
       INSERT INTO appointments (slot_id, patient_id, status)
       SELECT slot.id, (SELECT id FROM patients LIMIT 1), 'confirmed' FROM slot`,
    );
    const { code, stdout, stderr } = await simulate(["--duration", "1s", "--workers", "2"]);
    expect(code).toBe(1);
    // With --json the failure is JSON too, for the script that asked for it.
    expect(JSON.parse(stderr)).toEqual({ error: "failed", details: "invariants: BROKEN: 1 appointment(s) whose event trail does not match their status" });
    expect(JSON.parse(stdout)).toMatchObject({ invariantsHold: false, audit: { trailMismatches: [{ trail: "" }] } });
  });

  it("names an unreachable server in one line", async () => {
    const { code, stderr } = await runCli(["simulate", "--url", "http://127.0.0.1:1", "--duration", "1s"], { POSTGRES_DSN: database.dsn }, emptyDir);
    expect({ code, stderr }).toEqual({ code: 1, stderr: "sched: cannot reach http://127.0.0.1:1: connection refused\n" });
  });
});

describe("simulation building blocks", () => {
  it("computes exact nearest-rank percentiles from every sample", () => {
    const samples = new LatencySamples();
    for (let ms = 1; ms <= 2000; ms += 1) samples.add(2001 - ms);
    expect(LatencySamples.summarize([samples])).toEqual({ avg: 1000.5, min: 1, max: 2000, p50: 1000, p95: 1900, p99: 1980 });
  });

  it("normalises ratios, never draws a share of 0, and books when there is no hold to confirm", () => {
    const mix = normalisedMix({ booking: 6, confirm: 3, read: 1 });
    expect([mix.booking, mix.confirm, mix.read].map((share) => share.toFixed(9))).toEqual(["0.600000000", "0.300000000", "0.100000000"]);
    const noReads = normalisedMix({ booking: 1, confirm: 2, read: 0 });
    expect(chooseOperation(noReads, true, 0.9999999999999999)).toBe("confirm");
    expect(chooseOperation(noReads, false, 0.5)).toBe("booking");
    expect(chooseOperation(normalisedMix({ booking: 0, confirm: 0, read: 1 }), true, 0)).toBe("read");
  });
});
