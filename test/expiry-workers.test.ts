import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BookingFixture, cleanAudit } from "./support/booking-fixture.js";

let fixture: BookingFixture;

beforeAll(async () => {
  fixture = await BookingFixture.create("expiry_workers", 100);
});

afterAll(async () => {
  await fixture.close();
});

describe("expiry workers", () => {
  it("two workers racing over 10 000 lapsed holds expire each exactly once, with exactly one event each, by the system", async () => {
    // 100 patients on each of 100 slots of capacity 100, all holds already
    // lapsed, each with its creation event, as the service would have left them.
    const slotIds = await fixture.slots(100, 100);
    await fixture.admin.query(
      `WITH held AS (
         INSERT INTO appointments (slot_id, patient_id, expires_at, created_at, updated_at)
         SELECT s, p, now() - interval '1 second', now() - interval '1 minute', now() - interval '1 minute'
           FROM unnest($1::uuid[]) s CROSS JOIN unnest($2::uuid[]) p
         RETURNING id
       )
       INSERT INTO event_logs (appointment_id, event_type, actor_subject, actor_role)
       SELECT id, 'APPOINTMENT_CREATED', 'front-desk', 'staff' FROM held`,
      [slotIds, fixture.patientIds],
    );

    const workers = [fixture.expiry({ poolSize: 2 }), fixture.expiry({ poolSize: 2 })];
    const runs = await Promise.all(workers.map((worker) => worker.expireLapsedHolds({ batchSize: 500 })));

    expect(runs[0]!.expired + runs[1]!.expired).toBe(10_000);
    expect(runs.every((run) => run.expired > 0)).toBe(true);
    const { rows } = await fixture.admin.query<{ status: string; appointments: number; expiry_events: number }>(
      `SELECT a.status, count(*)::int AS appointments,
              sum((SELECT count(*) FROM event_logs e
                    WHERE e.appointment_id = a.id AND e.event_type = 'APPOINTMENT_EXPIRED'
                      AND e.actor_subject = 'system' AND e.actor_role = 'system'))::int AS expiry_events
         FROM appointments a GROUP BY a.status`,
    );
    expect(rows).toEqual([{ status: "expired", appointments: 10_000, expiry_events: 10_000 }]);
    expect(await fixture.audit()).toEqual(cleanAudit);
  });
});
