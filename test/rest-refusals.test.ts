import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restCall, type RestAnswer } from "./support/e2e-rest.js";
import type { ServerProcess } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

// What REST refuses, and with which status: values out of range are 400 as
// the CLI refuses them, a wrong method on a health path is 405 as on any
// other path, and a batch naming an unknown clinician is 404 whatever its
// times. An idempotent replay books nothing, and the metrics say so.

let served: ServedDatabase | undefined;
let server: ServerProcess;
let clinicianId: string;

beforeAll(async () => {
  served = await startServedDatabase("rest_refusals", { REDIS_URL: "127.0.0.1:1" });
  server = served.server;
  clinicianId = (await call("POST", "/clinicians", { name: "Dr Refusal" })).body.id;
});

afterAll(async () => {
  await served?.close();
});

const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RestAnswer> =>
  restCall(server.url, method, path, body, headers);

function refusal(answer: RestAnswer): { status: number; error: unknown } {
  return { status: answer.status, error: answer.body?.error };
}

let nextHour = 0;
function slotTimes(): { start_time: string; end_time: string } {
  const start = Date.UTC(2032, 0, 5, 8) + (nextHour += 1) * 3_600_000;
  return { start_time: new Date(start).toISOString(), end_time: new Date(start + 1_800_000).toISOString() };
}

describe("paging out of range", () => {
  const listings = ["/clinicians?", `/slots?clinician_id=${randomUUID()}&`, `/appointments?patient_id=${randomUUID()}&`];

  it.each(listings.flatMap((listing) => ["limit=-1", "limit=0", "offset=-5"].map((query) => [`${listing}${query}`])))(
    "GET %s is 400 invalid_argument",
    async (path) => {
      const answer = await call("GET", path);
      expect(refusal(answer)).toEqual({ status: 400, error: "invalid_argument" });
      expect(answer.body.details).toMatch(/^(limit must be a whole number from 1 to 100|offset must be a whole number from 0), got -?\d+$/);
    },
  );

  it("limit=1 and a limit above 100 are served, the latter as the largest page", async () => {
    expect((await call("GET", "/clinicians?limit=1")).status).toBe(200);
    expect((await call("GET", "/clinicians?limit=500")).status).toBe(200);
  });
});

describe("capacity", () => {
  it("0 is refused, naming the range allowed", async () => {
    const answer = await call("POST", "/slots", { clinician_id: clinicianId, ...slotTimes(), capacity: 0 });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: "invalid_capacity", details: "capacity must be a whole number from 1 to 2147483647, got 0" });
    const batch = await call("POST", "/slots", { slots: [{ clinician_id: clinicianId, ...slotTimes(), capacity: 0 }] });
    expect(refusal(batch)).toEqual({ status: 400, error: "invalid_capacity" });
  });

  it("absent is 1", async () => {
    const answer = await call("POST", "/slots", { clinician_id: clinicianId, ...slotTimes() });
    expect({ status: answer.status, capacity: answer.body.slots[0].capacity }).toEqual({ status: 201, capacity: 1 });
  });
});

describe("a wrong method on a health path", () => {
  it.each(["/health/live", "/health/ready"])("POST %s is 405 with Allow, as on any other path", async (path) => {
    const answer = await call("POST", path, {});
    expect({ status: answer.status, allow: answer.headers.get("allow"), body: answer.body }).toEqual({
      status: 405,
      allow: "GET, HEAD",
      body: { error: "method_not_allowed", details: `${path} answers GET, HEAD only` },
    });
  });
});

describe("bulk POST /slots naming an unknown clinician", () => {
  it("is 404 clinician_not_found, even when its slots overlap each other, and creates nothing", async () => {
    const unknown = randomUUID();
    const times = slotTimes();
    for (const slots of [
      [{ clinician_id: unknown, ...times }],
      [{ clinician_id: unknown, ...times }, { clinician_id: unknown, ...times }],
      [{ clinician_id: clinicianId, ...times }, { clinician_id: unknown, ...times }],
    ]) {
      expect(refusal(await call("POST", "/slots", { slots }))).toEqual({ status: 404, error: "clinician_not_found" });
    }
    const mine = await call("GET", `/slots?clinician_id=${clinicianId}&from=${times.start_time}&to=${times.end_time}`);
    expect(mine.body.total).toBe(0);
  });
});

describe("an idempotent replay", () => {
  it("answers the first booking again, marked Idempotent-Replayed, and is not counted as created", async () => {
    const slot = (await call("POST", "/slots", { clinician_id: clinicianId, ...slotTimes() })).body.slots[0];
    const patient = (await call("POST", "/patients", { name: "Replayed" })).body;
    const key = { "Idempotency-Key": randomUUID() };
    const before = await bookingCount("created");
    const first = await call("POST", "/appointments", { slot_id: slot.id, patient_id: patient.id }, key);
    const again = await call("POST", "/appointments", { slot_id: slot.id, patient_id: patient.id }, key);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    expect([first.headers.get("idempotent-replayed"), again.headers.get("idempotent-replayed")]).toEqual([null, "true"]);
    expect(await bookingCount("created")).toBe(before + 1);
    expect(await bookingCount("replayed")).toBe(1);
  });
});

async function bookingCount(outcome: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = new RegExp(`^sched_bookings_total\\{outcome="${outcome}"\\} (\\d+)$`, "m").exec(text);
  return line === null ? 0 : Number(line[1]);
}
