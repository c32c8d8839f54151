import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymousCaller } from "../src/core/access/caller.js";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { BookingFixture } from "./support/booking-fixture.js";

let fixture: BookingFixture;

beforeAll(async () => {
  fixture = await BookingFixture.create("appointment_ids");
});

afterAll(async () => {
  await fixture?.close();
});

// The first 48 bits of a version 7 UUID are its creation time in milliseconds.
function millisecondsOf(id: string): number {
  return Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16);
}

describe("appointment ids (migration 0005)", () => {
  it("are version 7 UUIDs that carry their creation time and sort in creation order", async () => {
    const service = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }) });
    const slots = await fixture.slots(20);
    const before = Date.now();
    const ids: string[] = [];
    for (const [index, slotId] of slots.entries()) {
      ids.push((await service.create(anonymousCaller, { slotId, patientId: fixture.patientIds[index]! })).id);
    }
    const after = Date.now();

    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // The database's clock and ours may differ by a little; by more would be a broken generator.
      expect(millisecondsOf(id)).toBeGreaterThanOrEqual(before - 5_000);
      expect(millisecondsOf(id)).toBeLessThanOrEqual(after + 5_000);
    }
    expect(new Set(ids).size).toBe(ids.length);
    const inMillisecondOrder = ids.map(millisecondsOf);
    expect(inMillisecondOrder).toEqual([...inMillisecondOrder].sort((a, b) => a - b));
  });
});
