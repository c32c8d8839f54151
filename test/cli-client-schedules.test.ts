import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "./support/run-cli.js";
import type { ServerProcess } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

// sched schedules and sched availability against a real `sched serve`.

const emptyDir = mkdtempSync(join(tmpdir(), "sched-cli-schedules-"));

let server: ServerProcess;
let served: ServedDatabase | undefined;

beforeAll(async () => {
  served = await startServedDatabase("cli_client_schedules");
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

/** The Monday of next week plus `days`, "YYYY-MM-DD": in the future everywhere, inside the horizon. */
function nextWeek(days = 0): string {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7) + 7 + days);
  return date.toISOString().slice(0, 10);
}

interface ScheduleJson {
  id: string;
  rules: unknown[];
  exceptions: unknown[];
}

describe.each(["grpc", "connect"])("schedules over %s", (protocol) => {
  it("creates, lists and gets a schedule, closes a day, and finds the first available slot", async () => {
    const specialty = `neurology-${protocol}`;
    const clinician = await json<{ id: string }>(["clinicians", "create", "--name", "Dr Weekly", "--specialty", specialty], protocol);
    const monday = nextWeek();
    const created = await json<ScheduleJson>(
      [
        "schedules", "create", "--clinician", clinician.id, "--time-zone", "Asia/Kolkata", "--from", monday, "--until", nextWeek(6),
        "--rule", "MON,WED 09:00-10:00", "--rule", "fri 14:00-15:00", "--slot-minutes", "30", "--capacity", "2",
      ],
      protocol,
    );
    expect(created.rules).toEqual([
      { weekdays: ["MONDAY", "WEDNESDAY"], start: "09:00", end: "10:00", slot_minutes: 30, buffer_minutes: 0, capacity: 2 },
      { weekdays: ["FRIDAY"], start: "14:00", end: "15:00", slot_minutes: 30, buffer_minutes: 0, capacity: 2 },
    ]);

    const listed = await sched(["schedules", "list", "--clinician", clinician.id], protocol);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).toMatch(/\n1 of 1 schedules\n$/);
    const shown = await sched(["schedules", "get", created.id], protocol);
    expect(shown.stdout).toMatch(/^time_zone +Asia\/Kolkata$/m);

    // 09:00 in Kolkata is 03:30 UTC.
    const first = await json<{ slots: Array<{ clinician_id: string; start_time: string; available: number }> }>(
      ["availability", "--specialty", specialty, "--first"],
      protocol,
    );
    expect(first.slots).toEqual([expect.objectContaining({ clinician_id: clinician.id, start_time: `${monday}T03:30:00Z`, available: 2 })]);

    const closed = await json<ScheduleJson>(["schedules", "exception", created.id, "--date", monday, "--closed"], protocol);
    expect(closed.exceptions).toEqual([{ date: monday, closed: true, hours: [] }]);
    const extra = await json<ScheduleJson>(
      ["schedules", "exception", created.id, "--date", nextWeek(1), "--hours", "07:00-07:20", "--slot-minutes", "20"],
      protocol,
    );
    expect(extra.exceptions).toHaveLength(2);
    const table = await sched(["availability", "--specialty", specialty], protocol);
    expect(table.code).toBe(0);
    const starts = table.stdout.match(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ(?= )/g);
    expect(starts?.[0]).toBe(`${nextWeek(1)}T01:30:00Z`);
    expect(table.stdout).toMatch(/\n5 open slots\n$/); // Tuesday's extra one, Wednesday's two, Friday's two
  });

  it("says what is wrong with a rule before calling", async () => {
    const refused = await sched(["schedules", "create", "--clinician", "x", "--time-zone", "UTC", "--from", "2031-01-06", "--rule", "MONDAY", "--slot-minutes", "30"], protocol);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/expected days and hours/);
  });
});
