import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { devSlotLock } from "../src/app/dev/dev-slot-lock.js";
import { loadConfig, type LoadConfigOptions } from "../src/config/config.js";
import { runCli } from "./support/run-cli.js";
import { spawnSched, type Exit, type SchedChild } from "./support/sched-process.js";

/** `sched dev` as a user starts it, once its banner is out. */
interface DevProcess {
  url: string;
  slotId: string;
  patientId: string;
  banner: string;
  exited: Promise<Exit>;
  stop(): Promise<Exit>;
}

let home: string;
const children: SchedChild[] = [];

beforeAll(() => {
  // Also the working directory, so that no .env reaches the process.
  home = mkdtempSync(join(tmpdir(), "sched-dev-test-"));
});

afterAll(() => {
  for (const child of children) child.signal("SIGKILL");
  rmSync(home, { recursive: true, force: true });
});

function spawnDev(args: string[]): SchedChild {
  // No POSTGRES_DSN and no REDIS_URL: the first look with nothing installed.
  const child = spawnSched(["dev", "--http-port", "0", ...args], { env: { HOME: home }, cwd: home });
  children.push(child);
  return child;
}

async function startDev(args: string[]): Promise<DevProcess> {
  const child = spawnDev(args);
  const { port, ids } = await child.waitFor(() => {
    const port = /serving on http:\/\/localhost:(\d+)/.exec(child.output())?.[1];
    const example = /curl -XPOST localhost:\d+\/appointments -d '(.+)'/.exec(child.output())?.[1];
    if (port === undefined || example === undefined) return undefined;
    return { port, ids: JSON.parse(example) as { slot_id: string; patient_id: string } };
  }, "serve");
  return {
    url: `http://127.0.0.1:${port}`,
    slotId: ids.slot_id,
    patientId: ids.patient_id,
    banner: child.output(),
    exited: child.exited,
    stop: () => child.stop("SIGTERM"),
  };
}

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

describe("sched dev", () => {
  let dataDir: string;
  let appointmentId: string;
  let bookedSlotId: string;

  beforeAll(() => {
    dataDir = join(home, "data");
  });

  it("books the banner's example over REST with neither PostgreSQL nor Redis configured, then stops with 0", async () => {
    const dev = await startDev(["--data-dir", dataDir]);
    expect(dev.banner).toContain("single-instance");
    expect(dev.banner).toContain(`Data lives in ${dataDir}`);
    // seed and simulate cannot reach the embedded database: the banner says what to do instead.
    expect(dev.banner).toContain("for sched seed or sched simulate, run sched dev with POSTGRES_DSN and give them the same.");
    // The CLI example books another slot for another patient, so that
    // pasting both lines in order books twice.
    const cliExample = / sched book --slot (\S+) --patient (\S+) --url (http:\/\/localhost:\d+)/.exec(dev.banner);
    expect(cliExample).not.toBeNull();
    const [, cliSlot, cliPatient, cliUrl] = cliExample!;
    expect([cliSlot, cliPatient]).not.toContain(dev.slotId);
    expect([cliSlot, cliPatient]).not.toContain(dev.patientId);

    const created = await call("POST", `${dev.url}/appointments`, { slot_id: dev.slotId, patient_id: dev.patientId });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ slot_id: dev.slotId, patient_id: dev.patientId, status: "pending" });
    appointmentId = created.json.id as string;
    bookedSlotId = dev.slotId;
    const booked = await runCli(["book", "--slot", cliSlot!, "--patient", cliPatient!, "--url", cliUrl!, "--json"], {}, home);
    expect(booked).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(booked.stdout)).toMatchObject({ slot_id: cliSlot, patient_id: cliPatient, status: "pending" });
    const listed = await runCli(["patients", "list", "--url", cliUrl!, "--json"], {}, home);
    expect(JSON.parse(listed.stdout)).toMatchObject({ total: 36 });
    // The demo slots come from the clinicians' schedules, and the banner's slot is one of them.
    const schedules = await call("GET", `${dev.url}/schedules`);
    expect(schedules.json.total).toBe(4);
    const bookedSlot = await call("GET", `${dev.url}/slots/${dev.slotId}`);
    expect((await call("GET", `${dev.url}/schedules?clinician_id=${bookedSlot.json.clinician_id}`)).json.total).toBe(1);
    const next = await call("GET", `${dev.url}/availability?clinician_id=${bookedSlot.json.clinician_id}&limit=1`);
    expect(next.json.slots).toHaveLength(1);

    const confirmed = await call("POST", `${dev.url}/appointments/${appointmentId}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.json).toMatchObject({ status: "confirmed", expires_at: null });

    const read = await call("GET", `${dev.url}/appointments/${appointmentId}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id: appointmentId, status: "confirmed", slot: { id: dev.slotId }, patient: { id: dev.patientId } });
    expect(read.json.clinician.name).toEqual(expect.any(String));

    // The in-process lock stands in for Redis, so nothing is degraded,
    const ready = await call("GET", `${dev.url}/health/ready`);
    // and no Redis is configured, which readiness says rather than "ok".
    expect(ready).toEqual({ status: 200, json: { status: "ok", checks: { postgres: "ok", redis: "not_configured" } } });

    // A webhook added in dev is delivered by the webhook worker dev runs.
    const received: Array<{ type: string; appointmentId: string }> = [];
    const receiver = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const event = JSON.parse(body) as { type: string; data: { appointment_id: string } };
        received.push({ type: event.type, appointmentId: event.data.appointment_id });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const hook = await call("POST", `${dev.url}/webhooks`, { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks` });
      expect(hook.status).toBe(201);
      const later = await call("POST", `${dev.url}/appointments`, { slot_id: next.json.slots[0].id, patient_id: dev.patientId });
      expect(later.status).toBe(201);
      await expect.poll(() => received, { timeout: 15_000 }).toContainEqual({ type: "appointment.created", appointmentId: later.json.id });
    } finally {
      receiver.close();
    }

    expect(await dev.stop()).toEqual({ code: 0, signal: null });
  });

  it("refuses a second sched dev on a folder in use, and keeps the data for the next start", async () => {
    const dev = await startDev(["--data-dir", dataDir]);
    const second = spawnDev(["--data-dir", dataDir]);
    expect(await second.exited).toEqual({ code: 1, signal: null });
    expect(second.output()).toMatch(/another sched dev \(pid \d+\) is using/);

    const read = await call("GET", `${dev.url}/appointments/${appointmentId}`);
    expect(read).toMatchObject({ status: 200, json: { status: "confirmed" } });
    // Not seeded twice, and the example offers a slot that is still free.
    expect((await call("GET", `${dev.url}/clinicians`)).json.total).toBe(4);
    expect(dev.slotId).not.toBe(bookedSlotId);

    expect(await dev.stop()).toEqual({ code: 0, signal: null });
  });

  it("starts from an empty database with --reset", async () => {
    const dev = await startDev(["--data-dir", dataDir, "--reset"]);
    const read = await call("GET", `${dev.url}/appointments/${appointmentId}`);
    expect(read).toMatchObject({ status: 404, json: { error: "appointment_not_found" } });
    expect(await dev.stop()).toEqual({ code: 0, signal: null });
  });
});

describe("the slot lock of sched dev", () => {
  function lockFor(source: LoadConfigOptions) {
    return devSlotLock(loadConfig(source), source);
  }

  it("is in-process when no Redis is configured, even though the loader has a default address", () => {
    const chosen = lockFor({ env: {}, cwd: home });
    expect(chosen.lock).toBeInstanceOf(InProcessSlotLock);
    expect(chosen.description).toContain("in-process");
  });

  it("is Redis when REDIS_URL or REDIS_ADDR is set by a flag, the environment or .env, without echoing a password", () => {
    const withDotEnv = mkdtempSync(join(home, "dotenv-"));
    writeFileSync(join(withDotEnv, ".env"), "REDIS_ADDR=10.0.0.9:6380\n");
    const sources: Array<[LoadConfigOptions, string]> = [
      [{ env: {}, cwd: home, flags: { REDIS_URL: "redis://10.0.0.7:6379" } }, "10.0.0.7:6379"],
      [{ env: { REDIS_URL: "redis://:secret@10.0.0.8:6379" }, cwd: home }, "10.0.0.8:6379"],
      [{ env: {}, cwd: withDotEnv }, "10.0.0.9:6380"],
    ];
    for (const [source, host] of sources) {
      const chosen = lockFor(source);
      expect(chosen.lock).toBeUndefined();
      expect(chosen.description).toBe(`the Redis slot lock at ${host}`);
    }
  });
});
