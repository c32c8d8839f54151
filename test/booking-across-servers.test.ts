import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawHttp1Client } from "./bench/raw-http1-client.js";
import { BookingFixture, cleanAudit } from "./support/booking-fixture.js";
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
let fixture: BookingFixture;
const servers: ServerProcess[] = [];
let slotId: string;

beforeAll(async () => {
  fixture = await BookingFixture.create("booking_across_servers", bookings);
  [slotId] = (await fixture.slots(1, bookings)) as [string];
  const env = { POSTGRES_DSN: fixture.database.dsn, MAX_ACTIVE_HOLDS_PER_PATIENT: "0", RATE_LIMIT_POINTS: "0" };
  servers.push(...(await Promise.all([0, 1].map(() => startServerProcess(env)))));
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop("SIGKILL")));
  await fixture?.close();
});

describe("one client booking one place after another, each time through the other server", () => {
  it("never finds the slot locked by its own previous booking", async () => {
    // A bare keep-alive connection to each: a client that sends its next
    // request as soon as the answer is in, which leaves the release least time.
    const connections = servers.map((server) => new RawHttp1Client("127.0.0.1", Number(new URL(server.url).port)));
    const answers: Record<string, number> = {};
    try {
      for (const [index, patientId] of fixture.patientIds.entries()) {
        const answer = await connections[index % 2]!.post("/appointments", JSON.stringify({ slot_id: slotId, patient_id: patientId }));
        const outcome = answer.status === 201 ? "booked" : String((JSON.parse(answer.body) as { error?: string }).error ?? answer.status);
        answers[outcome] = (answers[outcome] ?? 0) + 1;
      }
    } finally {
      connections.forEach((connection) => connection.close());
    }
    expect(answers).toEqual({ booked: bookings });
    expect(await fixture.occupants(slotId)).toBe(bookings);
    expect(await fixture.audit()).toEqual(cleanAudit);
  });
});
