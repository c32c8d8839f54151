import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { PostgresDirectoryStore } from "../src/adapters/postgres/postgres-directory-store.js";
import { PostgresSlotStore } from "../src/adapters/postgres/postgres-slot-store.js";
import { anonymousCaller, type Caller } from "../src/core/access/caller.js";
import { SchedError } from "../src/core/errors.js";
import type { Appointments } from "../src/core/services/appointments.js";
import { Directory } from "../src/core/services/directory.js";
import { Slots } from "../src/core/services/slots.js";
import { testSlotHorizonDays } from "./support/sched-process.js";
import { BookingFixture, cleanAudit, uniqueKey } from "./support/booking-fixture.js";
import { expectFailure } from "./support/expect-failure.js";

// Every row of the access policy (docs/security.md, Access policy) for
// each role, against the core services over a real database.

let fixture: BookingFixture;
let appointments: Appointments;
let slots: Slots;
let directory: Directory;
let alice: Caller;
let bob: Caller;
let alicePatientId: string;
let bobPatientId: string;
const staff: Caller = { subject: "front-desk-7", role: "staff" };
const service: Caller = { subject: "billing-sync", role: "service" };
// The anonymous caller of a server without authentication may do all that staff and services may.
const staffAndService = [
  ["staff", staff],
  ["service", service],
  ["anonymous", anonymousCaller],
] as const;
const everyRole = [["patient", () => alice] as const, ["staff", () => staff] as const, ["service", () => service] as const];

beforeAll(async () => {
  fixture = await BookingFixture.create("access_policy", 20);
  [alicePatientId, bobPatientId] = fixture.patientIds as [string, string];
  alice = { subject: alicePatientId, role: "patient" };
  bob = { subject: bobPatientId, role: "patient" };
  appointments = fixture.instance({ lock: new InProcessSlotLock({ lockTtlMs: 5_000 }) });
  slots = new Slots({ store: new PostgresSlotStore(fixture.admin), horizonDays: Number(testSlotHorizonDays) });
  directory = new Directory({ store: new PostgresDirectoryStore(fixture.admin) });
});

// The audit runs after each test, so that a broken invariant fails the test
// that broke it (a failure in afterAll would fail only the file).
afterEach(async () => {
  expect(await fixture.audit()).toEqual(cleanAudit);
});

afterAll(async () => {
  await fixture.close();
});

/** The refusal, so that two refusals can be compared word for word. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, "the call succeeded where it must be refused").toBeInstanceOf(SchedError);
  return { code: (error as SchedError).code, message: (error as SchedError).message };
}

async function statusOf(id: string): Promise<string> {
  const { rows } = await fixture.admin.query<{ status: string }>(`SELECT status FROM appointments WHERE id = $1`, [id]);
  return rows[0]!.status;
}

async function aliceHold(capacity = 1): Promise<{ slotId: string; id: string }> {
  const [slotId] = await fixture.slots(1, capacity);
  const hold = await appointments.create(alice, { slotId, patientId: alicePatientId });
  return { slotId: slotId!, id: hold.id };
}

describe("AppointmentService for a patient", () => {
  it("CreateAppointment: only for itself", async () => {
    const [slotId] = await fixture.slots(1, 2);
    expect(await appointments.create(alice, { slotId, patientId: alicePatientId })).toMatchObject({ status: "pending" });
    await expectFailure(appointments.create(alice, { slotId, patientId: bobPatientId }), "permission_denied");
    // Nor for a patient that does not exist: the refusal comes before any lookup.
    await expectFailure(appointments.create(alice, { slotId, patientId: randomUUID() }), "permission_denied");
    const { rows } = await fixture.admin.query(`SELECT patient_id FROM appointments WHERE slot_id = $1`, [slotId]);
    expect(rows).toEqual([{ patient_id: alicePatientId }]);
  });

  it("ConfirmAppointment and CancelAppointment: its own, again and again; another's is refused and left as it was", async () => {
    const mine = await aliceHold();
    expect(await appointments.confirm(alice, mine.id)).toMatchObject({ status: "confirmed" });
    expect(await appointments.confirm(alice, mine.id)).toMatchObject({ status: "confirmed" });

    const bobs = await appointments.create(bob, { slotId: (await fixture.slots(1))[0], patientId: bobPatientId });
    await expectFailure(appointments.confirm(alice, bobs.id), "permission_denied");
    await expectFailure(appointments.cancel(alice, bobs.id), "permission_denied");
    expect(await statusOf(bobs.id)).toBe("pending");

    expect(await appointments.cancel(alice, mine.id)).toMatchObject({ status: "cancelled" });
    expect(await appointments.cancel(alice, mine.id)).toMatchObject({ status: "cancelled" });
    await expectFailure(appointments.confirm(alice, mine.id), "invalid_status_transition");

    // Another's appointment in a final state is refused the same way, not answered idempotently.
    await appointments.cancel(bob, bobs.id);
    await expectFailure(appointments.cancel(alice, bobs.id), "permission_denied");
    await expectFailure(appointments.confirm(alice, bobs.id), "permission_denied");
  });

  it("GetAppointment and ListAppointmentEvents: its own only", async () => {
    const mine = await aliceHold();
    expect((await appointments.get(alice, mine.id)).patient.id).toBe(alicePatientId);
    expect((await appointments.listEvents(alice, mine.id)).map((event) => event.eventType)).toEqual(["APPOINTMENT_CREATED"]);
    await expectFailure(appointments.get(bob, mine.id), "permission_denied");
    await expectFailure(appointments.listEvents(bob, mine.id), "permission_denied");
  });

  it("an appointment id that does not exist gets exactly the refusal another patient's gets, for every appointment method", async () => {
    const bobs = await appointments.create(bob, { slotId: (await fixture.slots(1))[0], patientId: bobPatientId });
    const missing = randomUUID();
    const methods = [
      (id: string) => appointments.confirm(alice, id),
      (id: string) => appointments.cancel(alice, id),
      (id: string) => appointments.get(alice, id),
      (id: string) => appointments.listEvents(alice, id),
    ];
    for (const method of methods) {
      const forAnother = await refusal(method(bobs.id));
      expect(forAnother.code).toBe("permission_denied");
      expect(await refusal(method(missing))).toEqual(forAnother);
    }
    expect(await statusOf(bobs.id)).toBe("pending");
  });

  it("a malformed appointment id is still invalid_appointment_id", async () => {
    await expectFailure(appointments.confirm(alice, "not-an-id"), "invalid_appointment_id");
    await expectFailure(appointments.get(alice, "not-an-id"), "invalid_appointment_id");
  });

  it("ListAppointments: by its own patient_id only, and never by slot_id", async () => {
    const mine = await aliceHold(2);
    const page = await appointments.list(alice, { patientId: alicePatientId });
    expect(page.appointments.map((appointment) => appointment.id)).toContain(mine.id);
    await expectFailure(appointments.list(alice, { patientId: bobPatientId }), "permission_denied");
    // Even a slot that holds only its own appointment: a slot's list would reveal other patients.
    await expectFailure(appointments.list(alice, { slotId: mine.slotId }), "permission_denied");
    await expectFailure(appointments.list(alice, {}), "missing_filter");
  });

  it("a patient subject in upper case is the same patient", async () => {
    const shouting: Caller = { subject: alicePatientId.toUpperCase(), role: "patient" };
    const mine = await aliceHold();
    expect((await appointments.get(shouting, mine.id)).id).toBe(mine.id);
    expect(await appointments.confirm(shouting, mine.id)).toMatchObject({ status: "confirmed" });
  });
});

describe.each(staffAndService)("AppointmentService for %s", (_role, caller) => {
  it("creates, confirms, cancels, reads and lists any patient's appointments", async () => {
    const [slotId] = await fixture.slots(1, 2);
    const hold = await appointments.create(caller, { slotId, patientId: bobPatientId });
    expect((await appointments.get(caller, hold.id)).patient.id).toBe(bobPatientId);
    expect(await appointments.confirm(caller, hold.id)).toMatchObject({ status: "confirmed" });
    expect((await appointments.list(caller, { slotId })).total).toBe(1);
    expect((await appointments.list(caller, { patientId: bobPatientId })).total).toBeGreaterThan(0);
    expect(await appointments.cancel(caller, hold.id)).toMatchObject({ status: "cancelled" });
    expect((await appointments.listEvents(caller, hold.id)).map((event) => event.eventType)).toEqual([
      "APPOINTMENT_CREATED",
      "APPOINTMENT_CONFIRMED",
      "APPOINTMENT_CANCELLED",
    ]);
  });

  it("learns that an appointment does not exist", async () => {
    const missing = randomUUID();
    await expectFailure(appointments.get(caller, missing), "appointment_not_found");
    await expectFailure(appointments.confirm(caller, missing), "appointment_not_found");
    await expectFailure(appointments.cancel(caller, missing), "appointment_not_found");
    await expectFailure(appointments.listEvents(caller, missing), "appointment_not_found");
  });
});

describe("SlotService", () => {
  it.each(everyRole)("SearchSlots and GetSlot: open to a %s", async (_role, caller) => {
    const [slotId] = await fixture.slots(1);
    expect((await slots.getSlot(caller(), slotId)).id).toBe(slotId);
    expect((await slots.searchSlots(caller(), { clinicianId: fixture.clinicianId, limit: 100 })).total).toBeGreaterThan(0);
  });

  it("CreateSlots, BlockSlot, UnblockSlot: refused to a patient, who changes nothing", async () => {
    const [slotId] = await fixture.slots(1);
    const start = new Date("2040-01-01T09:00:00Z");
    const end = new Date("2040-01-01T09:30:00Z");
    await expectFailure(slots.createSlots(alice, [{ clinicianId: fixture.clinicianId, startTime: start, endTime: end }]), "permission_denied");
    await expectFailure(slots.blockSlot(alice, slotId), "permission_denied");
    await slots.blockSlot(staff, slotId);
    await expectFailure(slots.unblockSlot(alice, slotId), "permission_denied");
    expect((await slots.getSlot(alice, slotId)).status).toBe("blocked");
    expect((await slots.searchSlots(staff, { clinicianId: fixture.clinicianId, from: start, to: end })).total).toBe(0);
  });

  it.each(staffAndService)("CreateSlots, BlockSlot, UnblockSlot: allowed to %s", async (role, caller) => {
    const start = new Date({ staff: "2041-01-01T09:00:00Z", service: "2042-01-01T09:00:00Z", anonymous: "2043-01-01T09:00:00Z" }[role]);
    const [slot] = await slots.createSlots(caller, [
      { clinicianId: fixture.clinicianId, startTime: start, endTime: new Date(start.getTime() + 30 * 60_000) },
    ]);
    expect((await slots.blockSlot(caller, slot!.id)).status).toBe("blocked");
    expect((await slots.unblockSlot(caller, slot!.id)).status).toBe("open");
  });
});

describe("DirectoryService", () => {
  it("GetPatient: a patient reads its own record only; another's and a missing one are refused alike", async () => {
    expect((await directory.getPatient(alice, alicePatientId)).id).toBe(alicePatientId);
    const forAnother = await refusal(directory.getPatient(alice, bobPatientId));
    expect(forAnother.code).toBe("permission_denied");
    expect(await refusal(directory.getPatient(alice, randomUUID()))).toEqual(forAnother);
  });

  it.each(staffAndService)("GetPatient: %s reads any patient", async (_role, caller) => {
    expect((await directory.getPatient(caller, bobPatientId)).id).toBe(bobPatientId);
    await expectFailure(directory.getPatient(caller, randomUUID()), "patient_not_found");
  });

  it("ListPatients: refused to a patient, since the register names every patient", async () => {
    await expectFailure(directory.listPatients(alice), "permission_denied");
  });

  it.each(staffAndService)("ListPatients: %s lists every patient, by name", async (_role, caller) => {
    const page = await directory.listPatients(caller, { limit: 100 });
    expect(page.total).toBeGreaterThanOrEqual(2);
    expect(page.patients.map((patient) => patient.id)).toEqual(expect.arrayContaining([alicePatientId, bobPatientId]));
    const names = page.patients.map((patient) => patient.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it("CreatePatient and CreateClinician: refused to a patient, who adds nobody", async () => {
    await expectFailure(directory.createPatient(alice, { name: "Mallory", email: "mallory@example.org" }), "permission_denied");
    await expectFailure(directory.createClinician(alice, { name: "Dr Mallory" }), "permission_denied");
    const { rows } = await fixture.admin.query(
      `SELECT (SELECT count(*) FROM patients WHERE name = 'Mallory')::int AS patients,
              (SELECT count(*) FROM clinicians WHERE name = 'Dr Mallory')::int AS clinicians`,
    );
    expect(rows[0]).toEqual({ patients: 0, clinicians: 0 });
  });

  it.each(staffAndService)("CreatePatient and CreateClinician: allowed to %s", async (role, caller) => {
    expect((await directory.createPatient(caller, { name: `Patient by ${role}` })).name).toBe(`Patient by ${role}`);
    expect((await directory.createClinician(caller, { name: `Dr by ${role}` })).name).toBe(`Dr by ${role}`);
  });

  it.each(everyRole)("ListClinicians and GetClinician: open to a %s", async (_role, caller) => {
    expect((await directory.getClinician(caller(), fixture.clinicianId)).id).toBe(fixture.clinicianId);
    expect((await directory.listClinicians(caller(), { limit: 100 })).total).toBeGreaterThan(0);
  });
});

describe("idempotency keys are scoped to the caller", () => {
  it("the same key from two callers makes two appointments; from one caller it replays", async () => {
    const [slotId] = await fixture.slots(1, 3);
    const key = uniqueKey();
    const byAlice = await appointments.create(alice, { slotId, patientId: alicePatientId }, { idempotencyKey: key });
    // Another request under the same key would be idempotency_key_reused, were the key shared.
    const byStaff = await appointments.create(staff, { slotId, patientId: bobPatientId }, { idempotencyKey: key });
    const byService = await appointments.create(service, { slotId, patientId: fixture.patientIds[2] }, { idempotencyKey: key });
    expect(new Set([byAlice.id, byStaff.id, byService.id]).size).toBe(3);
    expect(await appointments.create(alice, { slotId, patientId: alicePatientId }, { idempotencyKey: key })).toEqual(byAlice);
    expect(await appointments.create(staff, { slotId, patientId: bobPatientId }, { idempotencyKey: key })).toEqual(byStaff);

    const { rows } = await fixture.admin.query<{ scope: string }>(`SELECT scope FROM idempotency_keys WHERE key = $1 ORDER BY scope`, [key]);
    expect(rows.map((row) => row.scope)).toEqual([`patient:${alicePatientId}`, "service:billing-sync", "staff:front-desk-7"]);
  });

  it("a patient's refused create under a key is not stored as the key's answer for anybody", async () => {
    const [slotId] = await fixture.slots(1);
    const key = uniqueKey();
    await expectFailure(appointments.create(alice, { slotId, patientId: bobPatientId }, { idempotencyKey: key }), "permission_denied");
    const { rows } = await fixture.admin.query(`SELECT scope FROM idempotency_keys WHERE key = $1`, [key]);
    expect(rows).toEqual([]);
    expect(await appointments.create(bob, { slotId, patientId: bobPatientId }, { idempotencyKey: key })).toMatchObject({ status: "pending" });
  });
});
