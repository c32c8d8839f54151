import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BookingFixture } from "./support/booking-fixture.js";
import { runCli } from "./support/run-cli.js";
import { spawnSched } from "./support/sched-process.js";

let fixture: BookingFixture;

beforeAll(async () => {
  fixture = await BookingFixture.create("expiry_worker_command", 30);
});

afterAll(async () => {
  await fixture.close();
});

async function lapsedHolds(count: number): Promise<void> {
  const slotIds = await fixture.slots(count);
  await fixture.admin.query(
    `WITH held AS (
       INSERT INTO appointments (slot_id, patient_id, expires_at, created_at, updated_at)
       SELECT s, $2, now() - interval '1 second', now() - interval '1 minute', now() - interval '1 minute'
         FROM unnest($1::uuid[]) s
       RETURNING id
     )
     INSERT INTO event_logs (appointment_id, event_type, actor_subject, actor_role)
     SELECT id, 'APPOINTMENT_CREATED', 'front-desk', 'staff' FROM held`,
    [slotIds, fixture.patientIds[0]],
  );
}

function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("sched expiry-worker", () => {
  it("--once expires every lapsed hold, logs the count and duration, and exits 0", async () => {
    await lapsedHolds(25);
    const { code, stdout, stderr } = await runCli(["expiry-worker", "--once", "--batch-size", "10"], {
      POSTGRES_DSN: fixture.database.dsn,
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const run = logLines(stdout).find((line) => line.msg === "expiry run finished");
    expect(run).toMatchObject({ expired: 25, interrupted: false });
    expect(typeof run!.duration_ms).toBe("number");
    expect(await fixture.audit()).toMatchObject({ trailMismatches: [], illegalStates: [] });
  });

  it("runs every WORKER_INTERVAL and stops cleanly on SIGTERM", async () => {
    const worker = spawnSched(["expiry-worker", "--worker-interval", "200ms"], { env: { POSTGRES_DSN: fixture.database.dsn } });
    const stdout = worker.stdout;
    try {
      await expect.poll(() => logLines(stdout()).filter((line) => line.msg === "expiry run finished").length, { timeout: 10_000 }).toBeGreaterThan(0);
      await lapsedHolds(3);
      await expect
        .poll(() => logLines(stdout()).some((line) => line.msg === "expiry run finished" && line.expired === 3), { timeout: 10_000 })
        .toBe(true);
      expect((await worker.stop("SIGTERM")).code).toBe(0);
      expect(logLines(stdout()).at(-1)?.msg).toBe("expiry worker stopped");
    } finally {
      await worker.stop("SIGKILL");
    }
  });

  it("refuses to start without POSTGRES_DSN, in one line with exit code 2", async () => {
    const { code, stderr } = await runCli(["expiry-worker", "--once"]);
    expect(code).toBe(2);
    expect(stderr).toBe("sched: POSTGRES_DSN is required: set it in the environment, in .env or with --postgres-dsn\n");
  });
});
