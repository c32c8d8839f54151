import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { loadHistoryRecord } from "../src/adapters/postgres/tooling/load-history-record.js";
import { anonymousCaller } from "../src/core/access/caller.js";
import { checkHistory } from "../src/core/history/check-history.js";
import { HistoryRecorder } from "../src/core/history/history-operation.js";
import type { Appointments } from "../src/core/services/appointments.js";
import { BookingFixture, cleanAudit } from "./support/booking-fixture.js";

// The history checker on a real database: loadHistoryRecord reads what the
// tables recorded, and the checker finds an overbooking among holds that had
// lapsed, and been expired, before anyone audited, which an end-state audit
// cannot see.

const holdTtlMs = 400;
let fixture: BookingFixture;
let appointments: Appointments;

beforeAll(async () => {
  fixture = await BookingFixture.create("history_record", 4);
  appointments = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), holdTtlMs });
});

afterAll(async () => {
  await fixture.close();
});

async function book(history: HistoryRecorder, slotId: string, patientId: string): Promise<string> {
  const operation = history.begin("book", { slotId, patientId });
  const appointment = await appointments.create(anonymousCaller, { slotId, patientId });
  operation.end({ outcome: "ok" }, appointment.id);
  return appointment.id;
}

describe("loadHistoryRecord and checkHistory", () => {
  it("find nothing wrong in a run that kept its promises, reading each hold's expiry from its event", async () => {
    const [slotId] = await fixture.slots(1, 1);
    const history = new HistoryRecorder();
    const first = await book(history, slotId!, fixture.patientIds[0]!);
    const refused = history.begin("book", { slotId, patientId: fixture.patientIds[1] });
    await expect(appointments.create(anonymousCaller, { slotId: slotId!, patientId: fixture.patientIds[1]! })).rejects.toMatchObject({ code: "slot_already_booked" });
    refused.end({ outcome: "refused", code: "slot_already_booked" });
    await sleep(holdTtlMs + 50);
    await fixture.expiry().expireLapsedHolds();

    const record = await loadHistoryRecord(fixture.admin, { slotIds: [slotId!] });
    expect(record.slots).toEqual([{ id: slotId, capacity: 1, overbookings: 0 }]);
    expect(record.appointments).toEqual([
      expect.objectContaining({ id: first, status: "expired", events: [expect.objectContaining({ type: "APPOINTMENT_CREATED" }), expect.objectContaining({ type: "APPOINTMENT_EXPIRED" })] }),
    ]);
    const [created] = record.appointments[0]!.events;
    expect(record.appointments[0]!.holdExpiresAt! - created!.at).toBeCloseTo(holdTtlMs, 0);
    expect(checkHistory(history.operations, record)).toMatchObject({ valid: true, refusalsChecked: 1, peakOccupancy: 1 });
  });

  it("catch two holds that overlapped on a capacity-1 slot, after both lapsed and the audit came out clean", async () => {
    const [slotId] = await fixture.slots(1, 1);
    const history = new HistoryRecorder();
    await book(history, slotId!, fixture.patientIds[2]!);
    // Around the service, as a faulty release might: the slot briefly takes two, then says one again.
    await fixture.admin.query(`UPDATE appointment_slots SET capacity = 2 WHERE id = $1`, [slotId]);
    await book(history, slotId!, fixture.patientIds[3]!);
    await fixture.admin.query(`ALTER TABLE appointment_slots DISABLE TRIGGER appointment_slots_guard_capacity_reduction`);
    try {
      await fixture.admin.query(`UPDATE appointment_slots SET capacity = 1 WHERE id = $1`, [slotId]);
    } finally {
      await fixture.admin.query(`ALTER TABLE appointment_slots ENABLE TRIGGER appointment_slots_guard_capacity_reduction`);
    }
    await sleep(holdTtlMs + 50);
    await fixture.expiry().expireLapsedHolds();

    expect(await fixture.audit()).toEqual(cleanAudit);
    const verdict = checkHistory(history.operations, await loadHistoryRecord(fixture.admin, { slotIds: [slotId!] }));
    expect(verdict.violations.map((violation) => [violation.property, violation.slotId])).toEqual([["capacity", slotId]]);
  });
});
