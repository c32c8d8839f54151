import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { auditInvariants } from "../src/adapters/postgres/tooling/audit-invariants.js";
import { RawHttp1Client } from "./bench/raw-http1-client.js";
import { cleanAudit } from "./support/booking-fixture.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

/*
 * One client behind a load balancer: each request starts when the answer to
 * the previous one has arrived, and goes to the other of two `sched serve`
 * processes sharing Redis. A booking answers without waiting for Redis to
 * acknowledge its slot lock's release, so the release must be on its way
 * before the answer is: otherwise the next booking of the same slot, through
 * the other server, meets the lock and is told the slot is being booked,
 * though nobody else is booking it.
 */

const bookings = 600;
let database: TestDatabase;
let admin: pg.Pool;
const servers: ServerProcess[] = [];
let slotId: string;
let patients: string[];

beforeAll(async () => {
  database = await createTestDatabase("booking_across_servers");
  await migrate(database.dsn);
  admin = new pg.Pool({ connectionString: database.dsn, max: 2 });
  const clinician = (await admin.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Sequence') RETURNING id`)).rows[0]!.id;
  slotId = (
    await admin.query<{ id: string }>(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
       VALUES ($1, '2037-04-06T08:00:00Z', '2037-04-06T08:30:00Z', $2) RETURNING id`,
      [clinician, bookings],
    )
  ).rows[0]!.id;
  patients = (
    await admin.query<{ id: string }>(`INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, $1) n RETURNING id`, [bookings])
  ).rows.map((row) => row.id);
  const env = { POSTGRES_DSN: database.dsn, MAX_ACTIVE_HOLDS_PER_PATIENT: "0", RATE_LIMIT_POINTS: "0" };
  servers.push(...(await Promise.all([0, 1].map(() => startServerProcess(env)))));
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop("SIGKILL")));
  await admin?.end();
  await database?.drop();
});

describe("one client booking one place after another, each time through the other server", () => {
  it("never finds the slot locked by its own previous booking", async () => {
    // A bare keep-alive connection to each: a client that sends its next
    // request as soon as the answer is in, which leaves the release least time.
    const connections = servers.map((server) => new RawHttp1Client("127.0.0.1", Number(new URL(server.url).port)));
    const answers: Record<string, number> = {};
    try {
      for (const [index, patientId] of patients.entries()) {
        const answer = await connections[index % 2]!.post("/appointments", JSON.stringify({ slot_id: slotId, patient_id: patientId }));
        const outcome = answer.status === 201 ? "booked" : String((JSON.parse(answer.body) as { error?: string }).error ?? answer.status);
        answers[outcome] = (answers[outcome] ?? 0) + 1;
      }
    } finally {
      connections.forEach((connection) => connection.close());
    }
    expect(answers).toEqual({ booked: bookings });
    const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM appointments WHERE slot_id = $1 AND status = 'pending'`, [slotId]);
    expect(rows[0]!.n).toBe(bookings);
    expect(await auditInvariants(admin)).toEqual(cleanAudit);
  });
});
