import type pg from "pg";
import { Temporal } from "temporal-polyfill";
import { anonymousCaller } from "../../core/access/caller.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { runSeed } from "../seed/run-seed.js";
import type { SeedPlan } from "../seed/seed-plan.js";

/** Ids for the banner's ready-to-paste examples. */
export interface DemoBooking {
  slotId: string;
  patientId: string;
}

export interface DemoData {
  /** Whether this start created the demo set. */
  seeded: boolean;
  /**
   * Up to two bookings of different slots and patients, so that the
   * banner's curl and CLI examples both succeed when pasted one after the other.
   */
  bookings: DemoBooking[];
}

/**
 * Seeds a small demo set into an empty database (a few clinicians, a few
 * dozen patients, and each clinician's schedule: weekdays 09:00 to 17:00 in
 * this machine's time zone, which makes their slots up to the schedule
 * horizon) and finds two patients and two bookable slots. A database with
 * data of its own is left as it is. The dev server is open, so the anonymous
 * caller lists patients and creates schedules.
 */
export async function ensureDemoData(pool: pg.Pool, core: CoreServices): Promise<DemoData> {
  const { total: patients } = await core.directory.listPatients(anonymousCaller, { limit: 1 });
  const { total: clinicians } = await core.directory.listClinicians(anonymousCaller, { limit: 1 });
  const seeded = patients === 0 && clinicians === 0;
  if (seeded) {
    await runSeed(pool, demoPlan(), 1);
    await createDemoSchedules(core);
  }
  const { patients: firstPatients } = await core.directory.listPatients(anonymousCaller, { limit: 2 });
  const { slots } = await core.slots.searchSlots(anonymousCaller, { available: true, from: new Date(), limit: 2 });
  const bookings = slots.slice(0, firstPatients.length).map((slot, index) => ({ slotId: slot.id, patientId: firstPatients[index]!.id }));
  return { seeded, bookings };
}

/** Clinicians and patients only: their slots come from schedules. */
function demoPlan(): SeedPlan {
  return {
    clinicians: 4,
    patients: 36,
    weeks: 0,
    slotMinutes: 30,
    dayStart: 9 * 60,
    dayEnd: 17 * 60,
    startDate: new Date(),
    capacity: 1,
    batchSize: 1000,
  };
}

async function createDemoSchedules(core: CoreServices): Promise<void> {
  // The zone sched dev runs in is the one its user reads times in; a bare
  // offset (no IANA name set on the machine) is not a schedule's zone.
  const machineZone = Temporal.Now.timeZoneId();
  const timeZone = /^[+-]/.test(machineZone) ? "UTC" : machineZone;
  const today = Temporal.Now.plainDateISO(timeZone).toString();
  const { clinicians } = await core.directory.listClinicians(anonymousCaller, { limit: 100 });
  for (const clinician of clinicians) {
    await core.schedules.createSchedule(anonymousCaller, {
      clinicianId: clinician.id,
      timeZone,
      effectiveFrom: today,
      rules: [
        { weekdays: ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"], start: "09:00", end: "17:00", slotMinutes: 30, bufferMinutes: 0, capacity: 1 },
      ],
    });
  }
}
