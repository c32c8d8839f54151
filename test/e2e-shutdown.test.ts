import http from "node:http";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { auditInvariants } from "../src/adapters/postgres/tooling/audit-invariants.js";
import { cleanAudit } from "./support/booking-fixture.js";
import { Http2Lane, http1Post, type JsonPost, type Outcome } from "./support/burst-clients.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { uuidPattern, type Json } from "./support/e2e-rest.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

/*
 * "A SIGTERM during a burst of requests loses none of them: each gets a
 * complete answer or a clean connection refusal, and the process exits 0
 * within SHUTDOWN_TIMEOUT."
 *
 * 300 bookings (each its own patient and its own slot of capacity 1000, so
 * that nothing but the shutdown turns one away) go out from 16 HTTP/1.1
 * keep-alive workers over 4 agents and 8 workers multiplexed on one HTTP/2
 * connection. After the 50th answer the test sends SIGTERM. Every request is
 * then classified, and the database is audited against what the clients
 * were told.
 */

const total = 300;
const signalAfterAnswers = 50;
const shutdownTimeoutMs = 5_000;
/** Generous: a loaded 2-core machine may be slow to exit, but never by seconds. */
const exitMarginMs = 3_000;
const requestTimeoutMs = 20_000;

let database: TestDatabase;
let admin: pg.Pool;
let server: ServerProcess;
let slotIds: string[];
let patientIds: string[];

beforeAll(async () => {
  database = await createTestDatabase("e2e_shutdown");
  await migrate(database.dsn);
  admin = new pg.Pool({ connectionString: database.dsn, max: 2 });
  const clinician = await admin.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Shutdown') RETURNING id`);
  const slots = await admin.query<{ id: string }>(
    `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
     SELECT $1, start, start + interval '30 minutes', 1000
       FROM generate_series(timestamptz '2035-03-05 08:00Z', timestamptz '2035-03-05 08:00Z' + ($2 - 1) * interval '1 hour', interval '1 hour') AS start
     ORDER BY start
     RETURNING id`,
    [clinician.rows[0]!.id, total],
  );
  const patients = await admin.query<{ id: string }>(
    `INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, $1) n RETURNING id`,
    [total],
  );
  slotIds = slots.rows.map((row) => row.id);
  patientIds = patients.rows.map((row) => row.id);
  expect(slotIds).toHaveLength(total);
  expect(patientIds).toHaveLength(total);
  server = await startServerProcess({ POSTGRES_DSN: database.dsn, SHUTDOWN_TIMEOUT: `${shutdownTimeoutMs / 1000}s` });
});

afterAll(async () => {
  if (server) {
    try {
      process.kill(server.pid, "SIGKILL");
    } catch {
      // It has exited, as it should have.
    }
    await server.exited;
  }
  await admin?.end();
  await database?.drop();
});

interface Job extends JsonPost {
  index: number;
  lane: string;
  outcome?: Outcome;
}

describe("SIGTERM during a burst of bookings", () => {
  it("loses none: each request gets a complete answer or a clean refusal, the process exits 0 within SHUTDOWN_TIMEOUT, and the database agrees with the answers", async () => {
    const jobs: Job[] = Array.from({ length: total }, (_, index) => ({
      index,
      lane: "",
      path: "/appointments",
      body: { slot_id: slotIds[index], patient_id: patientIds[index] },
      requestId: `shutdown-${index}`,
    }));
    let next = 0;
    let answers = 0;
    let signalledAt: number | undefined;
    let settledAtSignal = 0;
    let settled = 0;
    let exitedAt: number | undefined;
    void server.exited.then(() => (exitedAt = Date.now()));

    const record = (job: Job, outcome: Outcome): void => {
      job.outcome = outcome;
      settled++;
      if (outcome.kind !== "answered") return;
      answers++;
      if (answers === signalAfterAnswers && signalledAt === undefined) {
        signalledAt = Date.now();
        settledAtSignal = settled;
        process.kill(server.pid, "SIGTERM");
      }
    };

    const agents = Array.from({ length: 4 }, () => new http.Agent({ keepAlive: true, maxSockets: 4 }));
    const lane = new Http2Lane(server.url);
    const workers: Promise<void>[] = [];
    const worker = async (name: string, send: (job: Job) => Promise<Outcome>): Promise<void> => {
      while (next < total) {
        const job = jobs[next++]!;
        job.lane = name;
        record(job, await send(job));
      }
    };
    for (const [index, agent] of agents.entries()) {
      for (let n = 0; n < 4; n++) workers.push(worker(`http1-agent${index}`, (job) => http1Post(server.port, agent, job, requestTimeoutMs)));
    }
    for (let n = 0; n < 8; n++) workers.push(worker("http2", (job) => lane.post(job, requestTimeoutMs)));
    await Promise.all(workers);
    const exit = await server.exited;
    for (const agent of agents) agent.destroy();
    lane.close();

    // ------------------------------------------------------------ every request has an outcome, none broken
    const outcomes = jobs.map((job) => ({ job, outcome: job.outcome! }));
    expect(outcomes.every(({ outcome }) => outcome !== undefined)).toBe(true);
    const tally: Record<string, number> = {};
    for (const { job, outcome } of outcomes) {
      const key = `${job.lane.startsWith("http1") ? "http1" : "http2"} ${outcome.kind === "answered" ? outcome.status : outcome.how}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    console.log(`outcomes of ${total} bookings, SIGTERM after ${settledAtSignal} settled: ${JSON.stringify(tally, null, 1)}`);
    console.log(`GOAWAY frames received: ${JSON.stringify(lane.goaways)}`);
    const broken = outcomes.filter(({ outcome }) => outcome.kind === "broken").map(({ job, outcome }) => `#${job.index} ${job.lane}: ${outcome.kind === "broken" ? outcome.how : ""}`);
    expect(broken).toEqual([]);

    // The signal came mid-burst, and requests under way at that moment were still answered.
    expect(signalledAt).toBeDefined();
    expect(settledAtSignal).toBeLessThan(total);
    const answered = outcomes.filter(({ outcome }) => outcome.kind === "answered");
    expect(answered.length).toBeGreaterThanOrEqual(signalAfterAnswers);
    expect(answered.filter(({ outcome }) => outcome.at > signalledAt!).length).toBeGreaterThan(0);
    // Nothing was refused before the signal.
    const refusedEarly = outcomes.filter(({ outcome }) => outcome.kind === "refused" && outcome.at < signalledAt!);
    expect(refusedEarly).toEqual([]);

    // A complete answer is a 2xx, a 4xx or a 503, with the REST body and the request's id.
    for (const { job, outcome } of answered) {
      if (outcome.kind !== "answered") continue;
      expect(outcome.requestId, `#${job.index}`).toBe(job.requestId);
      const body = outcome.body as Json;
      if (outcome.status === 201) {
        expect(body).toEqual({
          id: expect.stringMatching(uuidPattern),
          slot_id: slotIds[job.index],
          patient_id: patientIds[job.index],
          status: "pending",
          overbooked: false,
          expires_at: expect.any(String),
          created_at: expect.any(String),
          updated_at: expect.any(String),
        });
      } else {
        expect(outcome.status === 503 || (outcome.status >= 400 && outcome.status < 500), `#${job.index}: ${outcome.status}`).toBe(true);
        expect(body).toEqual({ error: expect.any(String), details: expect.any(String) });
      }
    }

    // ------------------------------------------------------------ the process
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitedAt! - signalledAt!).toBeLessThan(shutdownTimeoutMs + exitMarginMs);

    // ------------------------------------------------------------ the database agrees with the answers
    const told = new Map<string, number>();
    for (const { job, outcome } of answered) {
      if (outcome.kind === "answered" && outcome.status === 201) told.set((outcome.body as Json).id, job.index);
    }
    const { rows } = await admin.query<{ id: string; slot_id: string; patient_id: string; status: string; created_events: number }>(
      `SELECT a.id, a.slot_id, a.patient_id, a.status::text AS status,
              (SELECT count(*)::int FROM event_logs e WHERE e.appointment_id = a.id AND e.event_type = 'APPOINTMENT_CREATED') AS created_events
         FROM appointments a`,
    );
    const stored = new Map(rows.map((row) => [row.id, row]));
    // Every appointment a client was shown exists, as shown, with its APPOINTMENT_CREATED event.
    const missing = [...told].filter(([id, index]) => {
      const row = stored.get(id);
      return row === undefined || row.slot_id !== slotIds[index] || row.patient_id !== patientIds[index] || row.status !== "pending" || row.created_events !== 1;
    });
    expect(missing).toEqual([]);
    // No appointment exists that a client was not told about. One whose request
    // got no answer at all would be a request the shutdown lost; one whose
    // request got another answer would be a lie.
    const byPatient = new Map(patientIds.map((id, index) => [id, index]));
    const untold = rows.filter((row) => !told.has(row.id));
    const createdWithoutAnswer = untold.filter((row) => jobs[byPatient.get(row.patient_id)!]?.outcome?.kind !== "answered");
    const contradicted = untold.filter((row) => jobs[byPatient.get(row.patient_id)!]?.outcome?.kind === "answered");
    console.log(
      `${told.size} appointments answered with 201, ${rows.length} in the database; ` +
        `created for requests that got no answer: ${createdWithoutAnswer.length} ${JSON.stringify(createdWithoutAnswer.map((row) => row.id))}`,
    );
    expect(contradicted).toEqual([]);
    expect(createdWithoutAnswer).toEqual([]);
    expect(rows).toHaveLength(told.size);

    expect(await auditInvariants(admin)).toEqual(cleanAudit);
  });
});

describe("an HTTP/1.1 keep-alive request under way at SIGTERM", () => {
  /** The Connection header of its answer, for the known defect below. */
  let connectionHeader: string | undefined;

  it("is answered during the drain", async () => {
    const draining = await startServerProcess({ POSTGRES_DSN: database.dsn, SHUTDOWN_TIMEOUT: "5s" });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ name: "Answered While Draining" });
      const request = http.request({
        host: "127.0.0.1",
        port: draining.port,
        method: "POST",
        path: "/patients",
        agent,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      });
      const answer = new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        request.on("response", (response) => {
          let text = "";
          response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body: text }));
        });
        request.on("error", reject);
      });
      answer.catch(() => {});
      // Headers and part of the body are on the server's side of the connection before the signal.
      request.flushHeaders();
      request.write(body.slice(0, 5));
      await new Promise<void>((resolve) => request.once("socket", (socket) => (socket.connecting ? socket.once("connect", () => resolve()) : resolve())));
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(draining.pid, "SIGTERM");
      await expect.poll(() => draining.logLines().some((line) => /shutting down/.test(String(line.msg)))).toBe(true);
      request.end(body.slice(5));
      const answered = await answer;
      expect({ status: answered.status, body: JSON.parse(answered.body) }).toEqual({
        status: 201,
        body: { id: expect.stringMatching(uuidPattern), name: "Answered While Draining", email: null },
      });
      connectionHeader = answered.connection;
      expect(await draining.exited).toEqual({ code: 0, signal: null });
    } finally {
      agent.destroy();
      if ((await Promise.race([draining.exited, null])) === null) process.kill(draining.pid, "SIGKILL");
      await draining.exited;
    }
  });

  // While draining, HTTP/1.1 answers say "Connection: close", so that a
  // keep-alive client stops reusing the socket instead of racing its close.
  it("that answer says Connection: close", () => {
    expect(connectionHeader).toBe("close");
  });
});
