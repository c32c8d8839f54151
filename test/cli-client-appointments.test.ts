import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "./support/run-cli.js";
import type { ServerProcess } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

// sched book, confirm, cancel, get and list, run as an operator would: the
// compiled binary against a real `sched serve` with its own database.

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const missingId = "00000000-0000-4000-8000-000000000000";
const emptyDir = mkdtempSync(join(tmpdir(), "sched-cli-client-"));

let server: ServerProcess;
let served: ServedDatabase | undefined;
let clinicianId: string;

beforeAll(async () => {
  served = await startServedDatabase("cli_client_appointments");
  server = served.server;
  clinicianId = (await json<{ id: string }>(["clinicians", "create", "--name", "Dr Table", "--specialty", "cardiology"])).id;
});

afterAll(async () => {
  await served?.close();
});

function sched(args: string[], protocol = "grpc"): Promise<CliResult> {
  return runCli([...args, "--url", server.url, "--protocol", protocol], {}, emptyDir);
}

async function json<T>(args: string[], protocol = "grpc"): Promise<T> {
  const result = await sched([...args, "--json"], protocol);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** The value on the "key  value" line of a record printed as text. */
function field(stdout: string, key: string): string | undefined {
  return new RegExp(`^${key.replaceAll(".", "\\.")} +(\\S.*)$`, "m").exec(stdout)?.[1];
}

let nextDay = 0;

async function slotsFor(protocol: string, count: number): Promise<string[]> {
  const day = String(++nextDay).padStart(2, "0");
  const { slots } = await json<{ slots: Array<{ id: string }> }>(
    ["slots", "create", "--clinician", clinicianId, "--start", `2031-03-${day}T09:00:00Z`, "--end", `2031-03-${day}T09:30:00Z`, "--count", String(count)],
    protocol,
  );
  return slots.map((slot) => slot.id);
}

async function patient(name: string, protocol: string): Promise<string> {
  return (await json<{ id: string }>(["patients", "create", "--name", name], protocol)).id;
}

describe.each(["grpc", "connect"])("appointments over %s", (protocol) => {
  let slotIds: string[];
  let ada: string;
  let bob: string;
  let appointmentId: string;

  beforeAll(async () => {
    [slotIds, ada, bob] = await Promise.all([slotsFor(protocol, 2), patient(`Ada ${protocol}`, protocol), patient(`Bob ${protocol}`, protocol)]);
  });

  it("books a slot and prints the pending hold as a key/value block", async () => {
    const { code, stdout, stderr } = await sched(["book", "--slot", slotIds[0]!, "--patient", ada], protocol);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    appointmentId = field(stdout, "id")!;
    expect(appointmentId).toMatch(uuid);
    expect(field(stdout, "slot_id")).toBe(slotIds[0]);
    expect(field(stdout, "patient_id")).toBe(ada);
    expect(field(stdout, "status")).toBe("pending");
    expect(field(stdout, "expires_at")).toMatch(rfc3339);
  });

  it("prints the REST JSON with --json", async () => {
    const body = await json<Record<string, unknown>>(["book", "--slot", slotIds[1]!, "--patient", ada], protocol);
    expect(body).toEqual({
      id: expect.stringMatching(uuid),
      slot_id: slotIds[1],
      patient_id: ada,
      status: "pending",
      expires_at: expect.stringMatching(rfc3339),
      created_at: expect.stringMatching(rfc3339),
      updated_at: expect.stringMatching(rfc3339),
      overbooked: false,
    });
  });

  it("refuses a full slot in one line with its reason, and exits 1", async () => {
    const result = await sched(["book", "--slot", slotIds[0]!, "--patient", bob], protocol);
    expect(result).toEqual({ code: 1, stdout: "", stderr: "sched: slot_already_booked: the slot has no capacity left\n" });
  });

  it("replays the first answer for a retry with the same idempotency key", async () => {
    const [slotId] = await slotsFor(protocol, 1);
    const args = ["book", "--slot", slotId!, "--patient", bob, "--idempotency-key", `retry-${protocol}`];
    const first = await json<{ id: string }>(args, protocol);
    const retry = await json<{ id: string }>(args, protocol);
    expect(retry).toEqual(first);
  });

  it("confirms: status confirmed and no expiry, as text and as JSON", async () => {
    const { code, stdout } = await sched(["confirm", appointmentId], protocol);
    expect(code).toBe(0);
    expect(field(stdout, "status")).toBe("confirmed");
    expect(field(stdout, "expires_at")).toBe("-");
    const again = await json<Record<string, unknown>>(["confirm", appointmentId], protocol);
    expect(again).toMatchObject({ id: appointmentId, status: "confirmed", expires_at: null });
  });

  it("gets the appointment with its slot, patient and clinician", async () => {
    const { code, stdout } = await sched(["get", appointmentId], protocol);
    expect(code).toBe(0);
    expect(field(stdout, "status")).toBe("confirmed");
    expect(field(stdout, "slot.id")).toBe(slotIds[0]);
    expect(field(stdout, "slot.start_time")).toMatch(rfc3339);
    expect(field(stdout, "patient.name")).toBe(`Ada ${protocol}`);
    expect(field(stdout, "patient.email")).toBe("-");
    expect(field(stdout, "clinician.specialty")).toBe("cardiology");
    expect(await json(["get", appointmentId], protocol)).toEqual({
      id: appointmentId,
      status: "confirmed",
      created_at: expect.stringMatching(rfc3339),
      updated_at: expect.stringMatching(rfc3339),
      expires_at: null,
      overbooked: false,
      slot: {
        id: slotIds[0],
        clinician_id: clinicianId,
        start_time: expect.stringMatching(rfc3339),
        end_time: expect.stringMatching(rfc3339),
        status: "open",
        capacity: 1,
        available: 0,
        overbooked: 0,
      },
      patient: { id: ada, name: `Ada ${protocol}`, email: null },
      clinician: { id: clinicianId, name: "Dr Table", specialty: "cardiology" },
    });
  });

  it("lists a patient's appointments as a table, and pages them with --json", async () => {
    const { code, stdout } = await sched(["list", "--patient", ada], protocol);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +STATUS +START +END +PATIENT +CLINICIAN +EXPIRES$/);
    expect(lines.filter((line) => line.startsWith(appointmentId))).toEqual([expect.stringMatching(/ confirmed +2031-03-\d\dT09:00:00Z .* Dr Table +-$/)]);
    expect(lines.at(-1)).toBe("2 of 2 appointments");
    const page = await json<{ appointments: Array<{ id: string }>; total: number }>(["list", "--patient", ada, "--limit", "1", "--offset", "1"], protocol);
    expect(page.total).toBe(2);
    expect(page.appointments).toHaveLength(1);
  });

  it("lists a slot's appointments", async () => {
    const page = await json<{ appointments: Array<{ id: string; patient: { id: string } }>; total: number }>(["list", "--slot", slotIds[0]!], protocol);
    expect(page).toMatchObject({ total: 1, appointments: [{ id: appointmentId, patient: { id: ada } }] });
  });

  it("cancels, and a cancelled appointment cannot be confirmed", async () => {
    const { code, stdout } = await sched(["cancel", appointmentId], protocol);
    expect(code).toBe(0);
    expect(field(stdout, "status")).toBe("cancelled");
    const refused = await sched(["confirm", appointmentId], protocol);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^sched: invalid_status_transition: [^\n]+\n$/);
  });

  it("names a missing appointment and a malformed id by their codes", async () => {
    const missing = await sched(["get", missingId], protocol);
    expect(missing).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^sched: appointment_not_found: [^\n]+\n$/) });
    const malformed = await sched(["book", "--slot", "not-a-slot", "--patient", ada], protocol);
    expect(malformed).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^sched: invalid_slot_id: [^\n]+\n$/) });
  });
});

describe("usage mistakes exit 2 with one line pointing at the command's help", () => {
  it("book without --slot", async () => {
    const { code, stdout, stderr } = await sched(["book", "--patient", missingId]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr).toBe("sched: required option '--slot <id>' not specified; see 'sched book --help'\n");
  });

  it("list with neither --patient nor --slot, or both", async () => {
    for (const args of [["list"], ["list", "--patient", missingId, "--slot", missingId]]) {
      const { code, stderr } = await sched(args);
      expect(code).toBe(2);
      expect(stderr).toBe("sched: give either --patient <id> or --slot <id>; see 'sched list --help'\n");
    }
  });
});

describe("moves, visits and overbooking", () => {
  it("reschedules, checks in, completes, refuses an early no-show, and books a full slot beyond capacity with a reason", async () => {
    const [from, to, later] = await slotsFor("grpc", 3);
    const [cy, dee] = await Promise.all([patient("Cy", "grpc"), patient("Dee", "grpc")]);
    const { id } = await json<{ id: string }>(["book", "--slot", from!, "--patient", cy]);
    await json(["confirm", id]);
    const moved = await sched(["reschedule", id, "--slot", to!, "--idempotency-key", `move-${id}`]);
    expect({ code: moved.code, stderr: moved.stderr, slot: field(moved.stdout, "slot_id"), status: field(moved.stdout, "status") }).toEqual({
      code: 0,
      stderr: "",
      slot: to,
      status: "confirmed",
    });
    const early = await sched(["no-show", id]);
    expect({ code: early.code, stderr: early.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^sched: slot_not_started: /) });
    expect(await json(["check-in", id])).toMatchObject({ id, status: "arrived" });
    expect(await json(["complete", id], "connect")).toMatchObject({ id, status: "fulfilled" });

    await json(["book", "--slot", later!, "--patient", cy]);
    const full = await sched(["book", "--slot", later!, "--patient", dee]);
    expect(full.stderr).toMatch(/^sched: slot_already_booked: /);
    expect(await json(["book", "--slot", later!, "--patient", dee, "--overbook-reason", "urgent, seen today"])).toMatchObject({ overbooked: true });
    expect(await json(["slots", "list", "--clinician", clinicianId, "--from", "2031-03-01T00:00:00Z"])).toMatchObject({
      slots: expect.arrayContaining([expect.objectContaining({ id: later, available: 0, overbooked: 1 })]),
    });
  });
});
