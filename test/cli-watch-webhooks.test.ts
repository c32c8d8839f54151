import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restOk, type Json } from "./support/e2e-rest.js";
import { runCli } from "./support/run-cli.js";
import { spawnSched } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

/* `sched watch` and `sched webhooks` against a real `sched serve` (dev, no authentication). */

let served: ServedDatabase;

beforeAll(async () => {
  served = await startServedDatabase("cli_watch");
}, 60_000);

afterAll(async () => {
  await served?.close();
});

async function rest(method: string, path: string, body?: unknown): Promise<Json> {
  return restOk(served.server.url, method, path, body);
}

describe("sched watch", () => {
  it("prints each change as it is committed, one JSON event per line with --json, from the position given", async () => {
    const clinician = await rest("POST", "/clinicians", { name: "Dr Watch" });
    const patient = await rest("POST", "/patients", { name: "Ivy" });
    const [slot] = (await rest("POST", "/slots", { clinician_id: clinician.id, start_time: "2036-02-03T09:00:00Z", end_time: "2036-02-03T09:30:00Z" })).slots;
    const first = await rest("POST", "/appointments", { slot_id: slot.id, patient_id: patient.id });
    const [created] = (await rest("GET", `/appointments/${first.id}/events`)).events;

    const watch = spawnSched(["watch", "--url", served.server.url, "--json", "--slot", slot.id, "--after", created.position], { env: {} });
    try {
      await rest("POST", `/appointments/${first.id}/confirm`, {});
      const line = await watch.waitFor(() => watch.stdout().split("\n").find((text) => text.includes("APPOINTMENT_CONFIRMED")), "print the confirmation", 15_000);
      const events = (await rest("GET", `/appointments/${first.id}/events`)).events;
      expect(JSON.parse(line)).toEqual(events[1]);
      expect(watch.stdout().split("\n").filter((text) => text !== "")).toHaveLength(1);
    } finally {
      expect((await watch.stop("SIGINT")).code).toBe(0);
    }
  });
});

describe("sched webhooks", () => {
  it("adds a webhook (printing its secret), lists it, shows its deliveries and removes it", async () => {
    const url = served.server.url;
    const added = await runCli(["webhooks", "add", "http://127.0.0.1:9/hooks", "--type", "APPOINTMENT_CONFIRMED", "--url", url, "--json"]);
    expect(added.code, added.stderr).toBe(0);
    const webhook = JSON.parse(added.stdout);
    expect(webhook).toMatchObject({ url: "http://127.0.0.1:9/hooks", event_types: ["APPOINTMENT_CONFIRMED"] });
    expect(webhook.secret).toMatch(/^whsec_/);

    const listed = await runCli(["webhooks", "list", "--url", url]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(webhook.id);
    expect(listed.stdout).toContain("http://127.0.0.1:9/hooks");

    const deliveries = await runCli(["webhooks", "deliveries", webhook.id, "--url", url, "--json"]);
    expect([deliveries.code, JSON.parse(deliveries.stdout)]).toEqual([0, { deliveries: [] }]);

    expect((await runCli(["webhooks", "rm", webhook.id, "--url", url])).code).toBe(0);
    const gone = await runCli(["webhooks", "rm", webhook.id, "--url", url]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain("webhook_not_found");
  });
});
