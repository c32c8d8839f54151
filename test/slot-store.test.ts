import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { PostgresDirectoryStore } from "../src/adapters/postgres/postgres-directory-store.js";
import { PostgresSlotStore } from "../src/adapters/postgres/postgres-slot-store.js";
import { anonymousCaller } from "../src/core/access/caller.js";
import { Directory } from "../src/core/services/directory.js";
import { Slots, type SlotInput } from "../src/core/services/slots.js";
import { testSlotHorizonDays } from "./support/sched-process.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { expectFailure } from "./support/expect-failure.js";

let database: TestDatabase;
let pool: pg.Pool;
let directory: Directory;
let slots: Slots;
let patientIds: string[];

beforeAll(async () => {
  database = await createTestDatabase("slot_store");
  await migrate(database.dsn);
  pool = new pg.Pool({ connectionString: database.dsn });
  directory = new Directory({ store: new PostgresDirectoryStore(pool) });
  slots = new Slots({ store: new PostgresSlotStore(pool), horizonDays: Number(testSlotHorizonDays) });
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, 5) n RETURNING id`,
  );
  patientIds = rows.map((row) => row.id);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

const unknownId = "7d4a3c1e-0000-4000-8000-000000000000";
const day = Date.parse("2031-05-05T08:00:00Z");

/** The `index`th half-hour of the test day. */
function halfHour(index: number, clinicianId: string, capacity?: number): SlotInput {
  const startTime = new Date(day + index * 30 * 60_000);
  return { clinicianId, startTime, endTime: new Date(startTime.getTime() + 30 * 60_000), capacity };
}

async function newClinician(specialty?: string): Promise<string> {
  return (await directory.createClinician(anonymousCaller, { name: "Dr Slot", specialty })).id;
}

async function slotCount(clinicianId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM appointment_slots WHERE clinician_id = $1`, [
    clinicianId,
  ]);
  return rows[0]!.n;
}

async function insertAppointment(slotId: string, patientId: string, status: "confirmed" | "pending", expiresIn?: string) {
  await pool.query(
    `INSERT INTO appointments (slot_id, patient_id, status, expires_at) VALUES ($1, $2, $3, now() + $4::interval)`,
    [slotId, patientId, status, expiresIn ?? null],
  );
}

describe("creating slots", () => {
  it("creates a slot with a default capacity of 1 and reads it back", async () => {
    const clinicianId = await newClinician();
    const [created] = await slots.createSlots(anonymousCaller, [halfHour(0, clinicianId)]);
    expect(created).toEqual({ ...halfHour(0, clinicianId), id: expect.any(String), status: "open", capacity: 1, available: 1, overbooked: 0 });
    expect(await slots.getSlot(anonymousCaller, created!.id)).toEqual(created);
  });

  it("validates every slot before anything is written", async () => {
    const clinicianId = await newClinician();
    await expectFailure(slots.createSlots(anonymousCaller, []), "invalid_argument");
    const tooMany = Array.from({ length: 1001 }, (_, index) => halfHour(index, clinicianId));
    await expectFailure(slots.createSlots(anonymousCaller, tooMany), "invalid_argument");
    await expectFailure(slots.createSlots(anonymousCaller, [{ ...halfHour(0, clinicianId), clinicianId: "x" }]), "invalid_clinician_id");
    await expectFailure(slots.createSlots(anonymousCaller, [{ ...halfHour(0, clinicianId), clinicianId: undefined }]), "invalid_clinician_id");
    await expectFailure(slots.createSlots(anonymousCaller, [{ ...halfHour(0, clinicianId), startTime: undefined }]), "invalid_argument");
    await expectFailure(slots.createSlots(anonymousCaller, [{ ...halfHour(0, clinicianId), endTime: new Date(Number.NaN) }]), "invalid_argument");
    const slot = halfHour(0, clinicianId);
    await expectFailure(slots.createSlots(anonymousCaller, [{ ...slot, endTime: slot.startTime }]), "invalid_time_range");
    await expectFailure(slots.createSlots(anonymousCaller, [{ ...slot, endTime: new Date(day - 1) }]), "invalid_time_range");
    for (const capacity of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      await expectFailure(slots.createSlots(anonymousCaller, [halfHour(0, clinicianId, capacity)]), "invalid_capacity");
    }
    const batch = slots.createSlots(anonymousCaller, [halfHour(0, clinicianId), halfHour(1, clinicianId, -2)]);
    await expect(batch).rejects.toMatchObject({ code: "invalid_capacity", message: expect.stringContaining("slot 2") });
    expect(await slotCount(clinicianId)).toBe(0);
  });

  it("refuses slots of an unknown clinician", async () => {
    await expectFailure(slots.createSlots(anonymousCaller, [halfHour(0, unknownId)]), "clinician_not_found");
  });

  it("creates 500 slots in one call and returns them in the order given", async () => {
    const clinicianId = await newClinician();
    const inputs = Array.from({ length: 500 }, (_, index) => halfHour(499 - index, clinicianId, 1 + (index % 3)));
    const created = await slots.createSlots(anonymousCaller, inputs);
    expect(created.map(({ startTime, capacity }) => ({ startTime, capacity }))).toEqual(
      inputs.map(({ startTime, capacity }) => ({ startTime, capacity })),
    );
    expect(created.every((slot) => slot.available === slot.capacity && slot.status === "open")).toBe(true);
    expect(new Set(created.map((slot) => slot.id)).size).toBe(500);
    expect(await slotCount(clinicianId)).toBe(500);
  });

  it("writes nothing of a batch that overlaps an existing slot", async () => {
    const clinicianId = await newClinician();
    await slots.createSlots(anonymousCaller, [halfHour(4, clinicianId)]);
    const overlapping = { ...halfHour(3, clinicianId), endTime: new Date(day + 4 * 30 * 60_000 + 1) };
    await expectFailure(slots.createSlots(anonymousCaller, [halfHour(0, clinicianId), halfHour(1, clinicianId), overlapping]), "slot_overlaps");
    expect(await slotCount(clinicianId)).toBe(1);
  });

  it("writes nothing of a batch whose slots overlap each other", async () => {
    const clinicianId = await newClinician();
    const twice = [halfHour(0, clinicianId), halfHour(1, clinicianId), halfHour(0, clinicianId)];
    await expectFailure(slots.createSlots(anonymousCaller, twice), "slot_overlaps");
    expect(await slotCount(clinicianId)).toBe(0);
    const otherClinician = await newClinician();
    expect(await slots.createSlots(anonymousCaller, [halfHour(0, clinicianId), halfHour(0, otherClinician)])).toHaveLength(2);
  });

  it("tells a malformed slot id from an unknown one", async () => {
    for (const id of [undefined, "", "slot-1"]) {
      await expectFailure(slots.getSlot(anonymousCaller, id), "invalid_slot_id");
    }
    await expectFailure(slots.getSlot(anonymousCaller, unknownId), "slot_not_found");
  });
});

describe("blocking slots", () => {
  it("blocks and unblocks a slot and records when", async () => {
    const [slot] = await slots.createSlots(anonymousCaller, [halfHour(0, await newClinician())]);
    await pool.query(`UPDATE appointment_slots SET updated_at = now() - interval '1 day' WHERE id = $1`, [slot!.id]);
    expect(await slots.blockSlot(anonymousCaller, slot!.id)).toEqual({ ...slot, status: "blocked" });
    const { rows } = await pool.query<{ recent: boolean }>(
      `SELECT updated_at > now() - interval '1 hour' AS recent FROM appointment_slots WHERE id = $1`,
      [slot!.id],
    );
    expect(rows[0]!.recent).toBe(true);
    expect(await slots.blockSlot(anonymousCaller, slot!.id.toUpperCase())).toMatchObject({ status: "blocked" });
    expect(await slots.unblockSlot(anonymousCaller, slot!.id)).toEqual(slot);
  });

  it("refuses to change a deleted slot", async () => {
    const [slot] = await slots.createSlots(anonymousCaller, [halfHour(0, await newClinician())]);
    await pool.query(`UPDATE appointment_slots SET status = 'deleted' WHERE id = $1`, [slot!.id]);
    await expectFailure(slots.unblockSlot(anonymousCaller, slot!.id), "invalid_status_transition");
    await expectFailure(slots.blockSlot(anonymousCaller, slot!.id), "invalid_status_transition");
    expect((await slots.getSlot(anonymousCaller, slot!.id)).status).toBe("deleted");
  });

  it("tells a malformed slot id from an unknown one", async () => {
    await expectFailure(slots.blockSlot(anonymousCaller, "nope"), "invalid_slot_id");
    await expectFailure(slots.unblockSlot(anonymousCaller, undefined), "invalid_slot_id");
    await expectFailure(slots.blockSlot(anonymousCaller, unknownId), "slot_not_found");
    await expectFailure(slots.unblockSlot(anonymousCaller, unknownId), "slot_not_found");
  });
});

describe("searching slots", () => {
  it("finds a clinician's slots in time order, without deleted ones", async () => {
    const clinicianId = await newClinician();
    const created = await slots.createSlots(anonymousCaller, [halfHour(2, clinicianId), halfHour(0, clinicianId), halfHour(1, clinicianId)]);
    await slots.createSlots(anonymousCaller, [halfHour(0, await newClinician())]);
    await pool.query(`UPDATE appointment_slots SET status = 'deleted' WHERE id = $1`, [created[2]!.id]);
    const page = await slots.searchSlots(anonymousCaller, { clinicianId });
    expect(page).toEqual({ slots: [created[1], created[0]], total: 2 });
  });

  it("finds slots by the clinician's specialty", async () => {
    const cardiologist = await newClinician("Cardiology");
    const otherCardiologist = await newClinician("Cardiology");
    await slots.createSlots(anonymousCaller, [halfHour(0, await newClinician("Dermatology"))]);
    const expected = await slots.createSlots(anonymousCaller, [halfHour(5, cardiologist), halfHour(3, otherCardiologist)]);
    const page = await slots.searchSlots(anonymousCaller, { specialty: " Cardiology " });
    expect(page).toEqual({ slots: [expected[1], expected[0]], total: 2 });
    expect(await slots.searchSlots(anonymousCaller, { specialty: "Cardiology", clinicianId: cardiologist })).toEqual({
      slots: [expected[0]],
      total: 1,
    });
  });

  it("finds slots that start from `from` and before `to`", async () => {
    const clinicianId = await newClinician();
    const created = await slots.createSlots(anonymousCaller, [0, 1, 2, 3].map((index) => halfHour(index, clinicianId)));
    const page = await slots.searchSlots(anonymousCaller, { clinicianId, from: created[1]!.startTime, to: created[3]!.startTime });
    expect(page.slots.map((slot) => slot.id)).toEqual([created[1]!.id, created[2]!.id]);
    expect((await slots.searchSlots(anonymousCaller, { clinicianId, from: created[3]!.startTime })).total).toBe(1);
    expect((await slots.searchSlots(anonymousCaller, { clinicianId, to: created[1]!.startTime })).total).toBe(1);
  });

  it("keeps only open slots with capacity left when asked for available ones", async () => {
    const clinicianId = await newClinician();
    const [full, blocked, lapsed, half, untouched] = await slots.createSlots(anonymousCaller, [
      halfHour(0, clinicianId, 2),
      halfHour(1, clinicianId),
      halfHour(2, clinicianId),
      halfHour(3, clinicianId, 2),
      halfHour(4, clinicianId),
    ]);
    await insertAppointment(full!.id, patientIds[0]!, "confirmed");
    await insertAppointment(full!.id, patientIds[1]!, "confirmed");
    await slots.blockSlot(anonymousCaller, blocked!.id);
    await insertAppointment(lapsed!.id, patientIds[0]!, "pending", "-1 minute");
    await insertAppointment(half!.id, patientIds[0]!, "pending", "10 minutes");

    const available = await slots.searchSlots(anonymousCaller, { clinicianId, available: true });
    expect(available.total).toBe(3);
    expect(available.slots.map((slot) => [slot.id, slot.available])).toEqual([
      [lapsed!.id, 1],
      [half!.id, 1],
      [untouched!.id, 1],
    ]);
    const everything = await slots.searchSlots(anonymousCaller, { clinicianId, available: false });
    expect(everything.total).toBe(5);
    expect(everything.slots[0]).toMatchObject({ id: full!.id, available: 0 });
  });

  it("pages through the results with a total", async () => {
    const clinicianId = await newClinician();
    const created = await slots.createSlots(anonymousCaller, [0, 1, 2, 3, 4].map((index) => halfHour(index, clinicianId)));
    const pages = await Promise.all([0, 2, 4, 6].map((offset) => slots.searchSlots(anonymousCaller, { clinicianId, limit: 2, offset })));
    expect(pages.map((page) => page.total)).toEqual([5, 5, 5, 5]);
    expect(pages.flatMap((page) => page.slots)).toEqual(created);
    expect(pages[3]!.slots).toEqual([]);
  });

  it("clamps the page size to the default and the maximum, and refuses a limit below 1", async () => {
    const clinicianId = await newClinician();
    await slots.createSlots(anonymousCaller, Array.from({ length: 120 }, (_, index) => halfHour(index, clinicianId)));
    await expectFailure(slots.searchSlots(anonymousCaller, { clinicianId, limit: 0 }), "invalid_argument");
    const byDefault = await slots.searchSlots(anonymousCaller, { clinicianId });
    expect(byDefault.slots).toHaveLength(20);
    expect(byDefault.total).toBe(120);
    expect((await slots.searchSlots(anonymousCaller, { clinicianId, limit: 500 })).slots).toHaveLength(100);
  });

  it("validates the filters", async () => {
    await expectFailure(slots.searchSlots(anonymousCaller, { clinicianId: "someone" }), "invalid_clinician_id");
    await expectFailure(slots.searchSlots(anonymousCaller, { from: new Date(day), to: new Date(day) }), "invalid_time_range");
    await expectFailure(slots.searchSlots(anonymousCaller, { from: new Date(day + 1), to: new Date(day) }), "invalid_time_range");
    await expectFailure(slots.searchSlots(anonymousCaller, { from: new Date("tomorrow") }), "invalid_argument");
    expect(await slots.searchSlots(anonymousCaller, { clinicianId: unknownId })).toEqual({ slots: [], total: 0 });
  });
});
