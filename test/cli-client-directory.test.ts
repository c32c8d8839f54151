import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "./support/run-cli.js";
import type { ServerProcess } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

// sched patients, clinicians and slots against a real `sched serve`.

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const missingId = "00000000-0000-4000-8000-000000000000";
const emptyDir = mkdtempSync(join(tmpdir(), "sched-cli-client-"));

let server: ServerProcess;
let served: ServedDatabase | undefined;

beforeAll(async () => {
  served = await startServedDatabase("cli_client_directory");
  server = served.server;
});

afterAll(async () => {
  await served?.close();
});

function sched(args: string[], protocol: string): Promise<CliResult> {
  return runCli([...args, "--url", server.url, "--protocol", protocol], {}, emptyDir);
}

async function json<T>(args: string[], protocol: string): Promise<T> {
  const result = await sched([...args, "--json"], protocol);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

function field(stdout: string, key: string): string | undefined {
  return new RegExp(`^${key} +(\\S.*)$`, "m").exec(stdout)?.[1];
}

/** The cells of each table row (the heading included), split on the column gaps. */
function rows(stdout: string): string[][] {
  return stdout.trimEnd().split("\n").slice(0, -1).map((line) => line.split(/ {2,}/));
}

describe.each(["grpc", "connect"])("the directory over %s", (protocol) => {
  it("creates and gets a patient, with an absent email shown as - and null", async () => {
    const created = await sched(["patients", "create", "--name", `Ada ${protocol}`, "--email", `ada.${protocol}@example.org`], protocol);
    expect(created.code).toBe(0);
    const id = field(created.stdout, "id")!;
    expect(id).toMatch(uuid);
    expect(field(created.stdout, "email")).toBe(`ada.${protocol}@example.org`);
    const noEmail = await json<{ id: string }>(["patients", "create", "--name", `Bob ${protocol}`], protocol);
    expect(noEmail).toEqual({ id: expect.stringMatching(uuid), name: `Bob ${protocol}`, email: null });
    const shown = await sched(["patients", "get", noEmail.id], protocol);
    expect(shown).toEqual({ code: 0, stderr: "", stdout: `id     ${noEmail.id}\nname   Bob ${protocol}\nemail  -\n` });
    expect(await json(["patients", "get", id], protocol)).toEqual({ id, name: `Ada ${protocol}`, email: `ada.${protocol}@example.org` });
  });

  it("lists patients by name, as a table and as JSON, paged", async () => {
    const names = ["Zed", "Amy", "Max"].map((name) => `List ${name} ${protocol}`);
    for (const name of names) await json(["patients", "create", "--name", name], protocol);
    const listed = await json<{ patients: Array<{ name: string }>; total: number }>(["patients", "list", "--limit", "100"], protocol);
    const mine = listed.patients.map((patient) => patient.name).filter((name) => names.includes(name));
    expect(mine).toEqual([...names].sort());
    expect(listed.total).toBeGreaterThanOrEqual(3);
    const page = await sched(["patients", "list", "--limit", "1", "--offset", "1"], protocol);
    expect(page.code).toBe(0);
    expect(rows(page.stdout)[0]).toEqual(["ID", "NAME", "EMAIL"]);
    expect(page.stdout).toMatch(new RegExp(`\\n1 of ${listed.total} patients\\n$`));
  });

  it("refuses a taken email and a missing patient in one line each", async () => {
    const taken = await sched(["patients", "create", "--name", "Copy", "--email", `ada.${protocol}@example.org`], protocol);
    expect(taken).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^sched: patient_email_taken: [^\n]+\n$/) });
    const missing = await sched(["patients", "get", missingId], protocol);
    expect(missing).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^sched: patient_not_found: [^\n]+\n$/) });
  });

  it("creates, gets and lists clinicians by specialty", async () => {
    const specialty = `neurology-${protocol}`;
    const grey = await json<{ id: string }>(["clinicians", "create", "--name", "Dr Grey", "--specialty", specialty], protocol);
    expect(grey).toEqual({ id: expect.stringMatching(uuid), name: "Dr Grey", specialty });
    const shown = await sched(["clinicians", "get", grey.id], protocol);
    expect(field(shown.stdout, "specialty")).toBe(specialty);
    const list = await sched(["clinicians", "list", "--specialty", specialty], protocol);
    expect(list.code).toBe(0);
    expect(rows(list.stdout)).toEqual([["ID", "NAME", "SPECIALTY"], [grey.id, "Dr Grey", specialty]]);
    expect(list.stdout.trimEnd().split("\n").at(-1)).toBe("1 of 1 clinicians");
    expect(await json(["clinicians", "list", "--specialty", specialty], protocol)).toEqual({ clinicians: [grey], total: 1 });
  });
});

describe.each(["grpc", "connect"])("slots over %s", (protocol) => {
  let clinicianId: string;
  const day = protocol === "grpc" ? "2031-05-05" : "2031-05-06";

  beforeAll(async () => {
    clinicianId = (await json<{ id: string }>(["clinicians", "create", "--name", `Dr Slots ${protocol}`], protocol)).id;
  });

  it("creates consecutive slots in one call, each --every after the last", async () => {
    const args = ["slots", "create", "--clinician", clinicianId, "--start", `${day}T09:00:00Z`, "--end", `${day}T09:20:00Z`];
    const created = await sched([...args, "--count", "3", "--every", "30m", "--capacity", "2"], protocol);
    expect(created.code).toBe(0);
    const table = rows(created.stdout);
    expect(table[0]).toEqual(["ID", "CLINICIAN", "START", "END", "STATUS", "CAPACITY", "AVAILABLE"]);
    expect(table.slice(1).map((row) => row.slice(1))).toEqual([
      [clinicianId, `${day}T09:00:00Z`, `${day}T09:20:00Z`, "open", "2", "2"],
      [clinicianId, `${day}T09:30:00Z`, `${day}T09:50:00Z`, "open", "2", "2"],
      [clinicianId, `${day}T10:00:00Z`, `${day}T10:20:00Z`, "open", "2", "2"],
    ]);
    expect(created.stdout).toMatch(/\n3 slots created\n$/);
  });

  it("refuses an overlapping slot by its code", async () => {
    const args = ["slots", "create", "--clinician", clinicianId, "--start", `${day}T09:10:00Z`, "--end", `${day}T09:40:00Z`];
    const refused = await sched(args, protocol);
    expect(refused).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^sched: slot_overlaps: [^\n]+\n$/) });
  });

  it("creates back-to-back slots by default, and lists them with --json", async () => {
    const args = ["slots", "create", "--clinician", clinicianId, "--start", `${day}T14:00:00Z`, "--end", `${day}T14:15:00Z`, "--count", "2"];
    const { slots } = await json<{ slots: Array<{ start_time: string; end_time: string; capacity: number }> }>(args, protocol);
    expect(slots.map((slot) => [slot.start_time, slot.end_time, slot.capacity])).toEqual([
      [`${day}T14:00:00Z`, `${day}T14:15:00Z`, 1],
      [`${day}T14:15:00Z`, `${day}T14:30:00Z`, 1],
    ]);
    const page = await json<{ slots: Array<Record<string, unknown>>; total: number }>(
      ["slots", "list", "--clinician", clinicianId, "--from", `${day}T09:30:00Z`, "--to", `${day}T14:00:00Z`, "--available", "--limit", "10"],
      protocol,
    );
    expect(page.total).toBe(2);
    expect(page.slots.map((slot) => slot.start_time)).toEqual([`${day}T09:30:00Z`, `${day}T10:00:00Z`]);
    expect(page.slots[0]).toEqual({ id: expect.stringMatching(uuid), clinician_id: clinicianId, start_time: `${day}T09:30:00Z`, end_time: `${day}T09:50:00Z`, status: "open", capacity: 2, available: 2, overbooked: 0 });
  });

  it("lists slots as a table with a count line", async () => {
    const { code, stdout } = await sched(["slots", "list", "--clinician", clinicianId, "--limit", "2", "--offset", "1"], protocol);
    expect(code).toBe(0);
    expect(rows(stdout).slice(1).map((row) => row[2])).toEqual([`${day}T09:30:00Z`, `${day}T10:00:00Z`]);
    expect(stdout).toMatch(/\n2 of 5 slots\n$/);
  });
});

describe("the default server", () => {
  it("is http://localhost:$HTTP_PORT, with HTTP_PORT from .env, the environment winning, and --url over both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sched-cli-client-env-"));
    writeFileSync(join(dir, ".env"), `HTTP_PORT=${server.port}\n`);
    const fromFile = await runCli(["clinicians", "list", "--json", "--protocol", "grpc-web"], {}, dir);
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ total: expect.any(Number) });
    const overridden = await runCli(["clinicians", "list"], { HTTP_PORT: "1" }, dir);
    expect(overridden).toEqual({ code: 1, stdout: "", stderr: "sched: cannot reach http://localhost:1: connection refused\n" });
    const flag = await runCli(["clinicians", "list", "--url", server.url], { HTTP_PORT: "1" }, dir);
    expect(flag.code).toBe(0);
  });
});
