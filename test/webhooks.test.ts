import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPublicAddress, WebhookTargets } from "../src/adapters/http/target-addresses.js";
import { HttpWebhookSender } from "../src/adapters/http/http-webhook-sender.js";
import { isSchedError } from "../src/core/errors.js";
import { retryDelayMs } from "../src/core/webhooks/retry-delay.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { createSchedClient, errorReason } from "../src/client/index.js";
import { restCall, restOk, type Json } from "./support/e2e-rest.js";
import { sleep } from "./support/eventually.js";
import { spawnSched, startServerProcess, type SchedChild, type ServerProcess } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";
import { openSse, type SseMessage } from "./support/sse-client.js";
import { authEnv, token } from "./support/tokens.js";

/*
 * Webhooks against real processes: `sched serve` for the API and
 * `sched webhook-worker` for the deliveries, to a receiver on loopback.
 * The last test is the crash proof: under booking load the worker is
 * SIGKILLed mid-batch and a server is killed and restarted under an open
 * event stream; in the end the receiver has every event at least once, in
 * order per appointment, and the stream resumed from its last position has
 * exactly the log.
 */

interface Received {
  id: string;
  body: Json;
  verified: boolean;
}

const env = { ...authEnv, RATE_LIMIT_POINTS: "1000000", EVENT_FEED_POLL: "500ms" };
let served: ServedDatabase;
let staff: string;
let clinicianId: string;
let patients: string[] = [];
let slotStart = Date.parse("2035-05-07T08:00:00Z");
const received: Received[] = [];
let receiver: http.Server;
let receiverUrl: string;
let failEvery = 0;
let secret = "";
const workers: SchedChild[] = [];

beforeAll(async () => {
  served = await startServedDatabase("webhooks", env);
  staff = await token({ role: "staff", sub: "desk-2" });
  clinicianId = (await rest("POST", "/clinicians", { name: "Dr Hook" })).id;
  for (const name of ["Dina", "Eli", "Fay", "Gus"]) patients.push((await rest("POST", "/patients", { name })).id);
  let count = 0;
  receiver = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      count += 1;
      // Some answers fail, so that retries (and their order) are exercised too.
      if (failEvery > 0 && count % failEvery === 0) {
        response.writeHead(503).end();
        return;
      }
      let verified = false;
      try {
        new Webhook(secret).verify(body, request.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
      received.push({ id: String(request.headers["webhook-id"]), body: JSON.parse(body), verified });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(workers.map((worker) => worker.stop("SIGKILL")));
  receiver?.close();
  await served?.close();
});

async function rest(method: string, path: string, body?: unknown, bearer = staff, url = served.server.url): Promise<Json> {
  return restOk(url, method, path, body, { authorization: `Bearer ${bearer}` });
}

async function newSlot(url: string): Promise<string> {
  const start = new Date(slotStart);
  slotStart += 30 * 60_000;
  return (await rest("POST", "/slots", { clinician_id: clinicianId, start_time: start.toISOString(), end_time: new Date(start.getTime() + 30 * 60_000).toISOString() }, staff, url)).slots[0].id;
}

function startWorker(extra: Record<string, string> = {}): SchedChild {
  const worker = spawnSched(["webhook-worker"], {
    env: { POSTGRES_DSN: served.database.dsn, EVENT_FEED_POLL: "500ms", WEBHOOK_RETRY_BASE: "50ms", WEBHOOK_TIMEOUT: "1s", WEBHOOK_MAX_ATTEMPTS: "30", ...extra },
    name: `webhook-worker-${workers.length + 1}`,
  });
  workers.push(worker);
  return worker;
}

describe("webhooks over REST", () => {
  it("are created with a generated secret shown once, listed without it, and deleted; staff and services only", async () => {
    const created = await restCall(served.server.url, "POST", "/webhooks", { url: "http://127.0.0.1:9/nowhere", event_types: ["APPOINTMENT_CANCELLED"] }, { authorization: `Bearer ${staff}` });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: "http://127.0.0.1:9/nowhere", event_types: ["APPOINTMENT_CANCELLED"] });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);
    const listed = await rest("GET", "/webhooks");
    expect(listed.webhooks.find((hook: Json) => hook.id === created.body.id)).toMatchObject({ id: created.body.id, secret: "" });
    expect((await rest("GET", `/webhooks/${created.body.id}/deliveries`)).deliveries).toEqual([]);
    expect((await restCall(served.server.url, "DELETE", `/webhooks/${created.body.id}`, undefined, { authorization: `Bearer ${staff}` })).status).toBe(200);
    const gone = await restCall(served.server.url, "DELETE", `/webhooks/${created.body.id}`, undefined, { authorization: `Bearer ${staff}` });
    expect([gone.status, gone.body.error]).toEqual([404, "webhook_not_found"]);

    const patient = await token({ role: "patient", sub: patients[0]! });
    const refused = await restCall(served.server.url, "GET", "/webhooks", undefined, { authorization: `Bearer ${patient}` });
    expect([refused.status, refused.body.error]).toEqual([403, "permission_denied"]);
    const badSecret = await restCall(served.server.url, "POST", "/webhooks", { url: receiverUrl, secret: "whsec_short" }, { authorization: `Bearer ${staff}` });
    expect([badSecret.status, badSecret.body.error]).toEqual([400, "invalid_webhook_secret"]);
    const ftp = await restCall(served.server.url, "POST", "/webhooks", { url: "ftp://example.org/" }, { authorization: `Bearer ${staff}` });
    expect([ftp.status, ftp.body.error]).toEqual([400, "webhook_url_not_allowed"]);
  });
});

describe("where webhooks may go", () => {
  it("in production only https:// to public addresses, checked where the name resolves and again when connecting", async () => {
    const closed = new WebhookTargets(false);
    for (const url of ["http://93.184.216.34/", "https://127.0.0.1/", "https://localhost/", "https://10.1.2.3/", "https://[::1]/", "https://169.254.169.254/", "https://[::ffff:192.168.0.1]/", "https://user:pw@93.184.216.34/"]) {
      const refusal = await closed.check(url).then(() => undefined, (error: unknown) => error);
      expect(isSchedError(refusal, "webhook_url_not_allowed"), url).toBe(true);
    }
    await expect(closed.check("https://93.184.216.34/hooks")).resolves.toBeUndefined();
    await expect(new WebhookTargets(true).check("http://127.0.0.1:8080/hooks")).resolves.toBeUndefined();
    expect([isPublicAddress("8.8.8.8"), isPublicAddress("2606:4700::1111"), isPublicAddress("172.20.0.1"), isPublicAddress("fd00::1"), isPublicAddress("::ffff:127.0.0.1")]).toEqual([true, true, false, false, false]);

    // A name that resolves to loopback is refused at connect time too, whatever was checked before.
    const sender = new HttpWebhookSender({ targets: closed, timeoutMs: 2000, renderEvent: () => ({}) });
    const event = { id: "1", position: "1-1", appointmentId: "a", eventType: "APPOINTMENT_CREATED" as const, payload: {}, createdAt: new Date(), actor: { subject: "s", role: "staff" as const } };
    const outcome = await sender.send({ id: "1", url: `http://localhost:${new URL(receiverUrl).port}/hooks`, secret: "whsec_" + Buffer.alloc(32, 7).toString("base64"), attempts: 1, event });
    expect(outcome.ok).toBe(false);
    expect(received).toEqual([]);
  });

  it("over the API of an APP_ENV=prod server: CreateWebhook refuses http:// and loopback or private targets, and admits them with WEBHOOK_ALLOW_PRIVATE_TARGETS=true", async () => {
    const prodEnv = { POSTGRES_DSN: served.database.dsn, ...env, APP_ENV: "prod" };
    const [strict, open] = await Promise.all([startServerProcess(prodEnv), startServerProcess({ ...prodEnv, WEBHOOK_ALLOW_PRIVATE_TARGETS: "true" })]);
    const hooks: string[] = [];
    try {
      const create = (server: ServerProcess, url: string) => restCall(server.url, "POST", "/webhooks", { url }, { authorization: `Bearer ${staff}` });
      const privateTargets = ["http://93.184.216.34/hooks", "https://127.0.0.1/hooks", "https://localhost/hooks", "https://10.1.2.3/hooks", "https://[::1]/hooks", "https://169.254.169.254/latest"];
      for (const url of privateTargets) {
        const refused = await create(strict, url);
        expect([refused.status, refused.body.error], url).toEqual([400, "webhook_url_not_allowed"]);
      }
      // Over gRPC too: the policy is the service's, not the REST route's.
      const grpc = createSchedClient({ baseUrl: strict.url, protocol: "grpc", token: staff });
      const grpcRefusal = await grpc.webhooks.createWebhook({ url: receiverUrl }).then(() => undefined, (error: unknown) => ConnectError.from(error));
      expect([grpcRefusal?.code, grpcRefusal && errorReason(grpcRefusal)]).toEqual([Code.InvalidArgument, "webhook_url_not_allowed"]);
      const publicTarget = await create(strict, "https://93.184.216.34/hooks");
      expect(publicTarget.status).toBe(201);
      hooks.push(publicTarget.body.id);

      for (const url of [...privateTargets, receiverUrl]) {
        const admitted = await create(open, url);
        expect(admitted.status, url).toBe(201);
        hooks.push(admitted.body.id);
      }
      const overGrpc = await createSchedClient({ baseUrl: open.url, protocol: "grpc", token: staff }).webhooks.createWebhook({ url: receiverUrl });
      hooks.push(overGrpc.webhook!.id);
    } finally {
      for (const id of hooks) await restCall(open.url, "DELETE", `/webhooks/${id}`, undefined, { authorization: `Bearer ${staff}` });
      await Promise.all([strict.stop("SIGKILL"), open.stop("SIGKILL")]);
    }
  });

  it("retries after a doubling delay with jitter, capped at an hour", () => {
    expect(retryDelayMs(1, 1000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, () => 1)).toBe(1000);
    expect(retryDelayMs(4, 1000, () => 1)).toBe(8000);
    expect(retryDelayMs(40, 1000, () => 1)).toBe(3_600_000);
  });
});

describe("deliveries", () => {
  it("dead-letters a delivery after WEBHOOK_MAX_ATTEMPTS failed tries", async () => {
    const hook = await rest("POST", "/webhooks", { url: "http://127.0.0.1:9/refused", event_types: ["APPOINTMENT_CANCELLED"] });
    const slotId = await newSlot(served.server.url);
    const { id } = await rest("POST", "/appointments", { slot_id: slotId, patient_id: patients[3] });
    await rest("POST", `/appointments/${id}/cancel`, {});
    const worker = spawnSched(["webhook-worker"], {
      env: { POSTGRES_DSN: served.database.dsn, WEBHOOK_RETRY_BASE: "20ms", WEBHOOK_TIMEOUT: "500ms", WEBHOOK_MAX_ATTEMPTS: "3" },
      name: "webhook-worker-dead-letter",
    });
    workers.push(worker);
    try {
      let deliveries: Json[] = [];
      for (let tries = 0; tries < 100; tries++) {
        deliveries = (await rest("GET", `/webhooks/${hook.id}/deliveries`)).deliveries;
        if (deliveries.length === 1 && deliveries[0].status === "dead") break;
        await sleep(100);
      }
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ status: "dead", attempts: 3, last_status: 0, delivered_at: null, event: { appointment_id: id, event_type: "APPOINTMENT_CANCELLED" } });
      expect(deliveries[0].last_error).not.toBe("");
      // Every server reports the deliveries by state from the database, whichever worker made them.
      const metrics = await fetch(`${served.server.url}/metrics`).then((response) => response.text());
      expect(metrics.split("\n").filter((line) => line.startsWith("sched_webhook_"))).toEqual([
        'sched_webhook_deliveries{state="delivered"} 0',
        'sched_webhook_deliveries{state="retrying"} 0',
        'sched_webhook_deliveries{state="dead"} 1',
        'sched_webhook_deliveries{state="waiting"} 0',
        "sched_webhook_oldest_undelivered_seconds 0",
      ]);
    } finally {
      await worker.stop("SIGKILL");
      await rest("DELETE", `/webhooks/${hook.id}`);
    }
  });

  it("survive a worker SIGKILLed mid-batch and a server killed under an open stream: every event arrives at least once, in order per appointment, and the resumed stream is exactly the log", async () => {
    const hook = await rest("POST", "/webhooks", { url: receiverUrl });
    secret = hook.secret;
    failEvery = 7;
    const servers: ServerProcess[] = [served.server, await startServerProcess({ POSTGRES_DSN: served.database.dsn, ...env })];
    const admin = new pg.Client({ connectionString: served.database.dsn });
    await admin.connect();
    try {
      const startPosition = (await admin.query<{ position: string }>(`SELECT xid::text || '-' || id::text AS position FROM event_logs ORDER BY xid DESC, id DESC LIMIT 1`)).rows[0]?.position ?? "0";
      const stream: SseMessage[] = [];
      let sse = await openSse(`${servers[1]!.url}/events/stream?after=${startPosition}`, { authorization: `Bearer ${staff}` });
      const worker = startWorker();

      // Booking load through both servers: holds, confirmations and cancellations.
      const booked: string[] = [];
      const book = async (index: number): Promise<void> => {
        const url = servers[index % 2]!.url;
        const slotId = await newSlot(url);
        const { id } = await rest("POST", "/appointments", { slot_id: slotId, patient_id: patients[index % 4] }, staff, url);
        booked.push(id);
        await rest("POST", `/appointments/${id}/confirm`, {}, staff, url);
        if (index % 3 === 0) await rest("POST", `/appointments/${id}/cancel`, {}, staff, url);
      };
      const load = (async () => {
        for (let round = 0; round < 8; round++) {
          await Promise.all([0, 1, 2, 3, 4].map((offset) => book(round * 5 + offset).catch(() => undefined)));
          if (round === 3) {
            // The server under the stream dies without a word, and a new one takes its place.
            stream.push(...sse.messages);
            sse.close();
            await servers[1]!.stop("SIGKILL");
            servers[1] = await startServerProcess({ POSTGRES_DSN: served.database.dsn, ...env });
            // As an EventSource would: reconnect with the last id seen, again while the new server cannot answer yet.
            const lastSeen = stream[stream.length - 1]?.id ?? startPosition;
            for (let attempt = 0; ; attempt++) {
              sse = await openSse(`${servers[1]!.url}/events/stream`, { authorization: `Bearer ${staff}`, "last-event-id": lastSeen });
              if (sse.status === 200 || attempt === 20) break;
              await sleep(250);
            }
            expect(sse.status).toBe(200);
          }
        }
      })();
      // The worker dies mid-batch once deliveries are under way; two others take over.
      for (let waited = 0; received.length < 10 && waited < 30_000; waited += 20) await sleep(20);
      await worker.stop("SIGKILL");
      startWorker();
      startWorker();
      await load;

      const logged = async () =>
        (await admin.query<{ position: string; id: string; appointment_id: string }>(
          `SELECT xid::text || '-' || id::text AS position, id::text, appointment_id FROM event_logs
            WHERE (xid, id) > (split_part($1, '-', 1)::xid8, split_part($1, '-', 2)::bigint) ORDER BY xid, id`,
          [startPosition === "0" ? "0-0" : startPosition],
        )).rows;
      let log = await logged();
      for (let tries = 0; tries < 300; tries++) {
        const pending = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status <> 'delivered'`, [hook.id]);
        const planned = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1`, [hook.id]);
        log = await logged();
        if (pending.rows[0]!.n === 0 && planned.rows[0]!.n === log.length && sse.messages.length + stream.length >= log.length) break;
        await sleep(100);
      }
      stream.push(...sse.messages);
      sse.close();

      // The stream, resumed after a server died under it, is exactly the log.
      expect(stream.map((message) => message.id)).toEqual(log.map((event) => event.position));
      // Every event reached the receiver at least once, signed.
      expect(received.every((delivery) => delivery.verified)).toBe(true);
      const firstSeen = [...new Set(received.map((delivery) => delivery.body.data.position as string))];
      expect(new Set(firstSeen)).toEqual(new Set(log.map((event) => event.position)));
      // In order per appointment: each appointment's events first arrived in its log order.
      const byAppointment = (positions: string[]) => {
        const groups = new Map<string, string[]>();
        const appointmentOf = new Map(log.map((event) => [event.position, event.appointment_id]));
        for (const position of positions) {
          const appointment = appointmentOf.get(position)!;
          groups.set(appointment, [...(groups.get(appointment) ?? []), position]);
        }
        return groups;
      };
      expect(byAppointment(firstSeen)).toEqual(byAppointment(log.map((event) => event.position)));
      expect(booked.length).toBeGreaterThan(30);
    } finally {
      failEvery = 0;
      await admin.end();
      await Promise.allSettled(servers.slice(1).map((server) => server.stop("SIGKILL")));
    }
  }, 90_000);
});
