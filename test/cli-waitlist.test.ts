import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restOk, type Json } from "./support/e2e-rest.js";
import { runCli } from "./support/run-cli.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

/* `sched waitlist join|leave|list` and the waiting list's metrics against a real `sched serve` (dev, no authentication). */

let served: ServedDatabase;

beforeAll(async () => {
  served = await startServedDatabase("cli_waitlist");
}, 60_000);

afterAll(async () => {
  await served?.close();
});

async function rest(method: string, path: string, body?: unknown): Promise<Json> {
  return restOk(served.server.url, method, path, body);
}

async function sched(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli([...args, "--url", served.server.url]);
  expect(code, stderr).toBe(0);
  return stdout;
}

async function gauge(name: string): Promise<number> {
  const text = await (await fetch(`${served.server.url}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith(`${name} `));
  expect(line, `${name} in /metrics`).toBeDefined();
  return Number(line!.split(" ")[1]);
}

describe("sched waitlist", () => {
  it("joins a full slot, lists the entry, gets the offer when a place frees, leaves another entry; the gauges count them", async () => {
    const clinician = await rest("POST", "/clinicians", { name: "Dr Queue" });
    const [holder, waiter, leaver] = await Promise.all(["Kim", "Lee", "Max"].map((name) => rest("POST", "/patients", { name })));
    const [slot] = (await rest("POST", "/slots", { clinician_id: clinician.id, start_time: "2036-03-03T09:00:00Z", end_time: "2036-03-03T09:30:00Z" })).slots;
    const held = await rest("POST", "/appointments", { slot_id: slot.id, patient_id: holder.id });

    const joined = JSON.parse(await sched("waitlist", "join", "--patient", waiter.id, "--slot", slot.id, "--json"));
    expect(joined).toMatchObject({ patient_id: waiter.id, slot_id: slot.id, status: "waiting", priority: 0 });
    const window = JSON.parse(
      await sched("waitlist", "join", "--patient", leaver.id, "--clinician", clinician.id, "--from", "2036-03-03T08:00:00Z", "--to", "2036-03-03T12:00:00Z", "--priority", "0", "--json"),
    );
    expect(window).toMatchObject({ clinician_id: clinician.id, from: "2036-03-03T08:00:00Z", to: "2036-03-03T12:00:00Z", status: "waiting" });

    const table = await sched("waitlist", "list", "--slot", slot.id);
    expect(table).toContain(joined.id);
    expect(table).toMatch(/STATUS/);
    expect(await gauge("sched_waitlist_waiting_entries")).toBe(2);

    const left = JSON.parse(await sched("waitlist", "leave", window.id, "--json"));
    expect(left.status).toBe("left");

    await rest("POST", `/appointments/${held.id}/cancel`, {});
    const [offered] = JSON.parse(await sched("waitlist", "list", "--patient", waiter.id, "--json")).entries;
    expect(offered).toMatchObject({ id: joined.id, status: "offered" });
    await sched("confirm", offered.appointment_id);
    expect((await rest("GET", `/waitlist?patient_id=${waiter.id}`)).entries[0].status).toBe("accepted");
    expect(await gauge("sched_waitlist_waiting_entries")).toBe(0);
    expect(await gauge("sched_waitlist_offers_made")).toBe(1);
    expect(await gauge("sched_waitlist_offers_accepted")).toBe(1);
    expect(await gauge("sched_waitlist_offers_lapsed")).toBe(0);
  });

  it("says what is wrong in one line: a join without a target", async () => {
    const { code, stderr } = await runCli(["waitlist", "join", "--patient", "00000000-0000-4000-8000-000000000000", "--url", served.server.url]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^sched: missing_filter: /);
  });
});
