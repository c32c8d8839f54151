import type pg from "pg";
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

const day = 24 * 60 * 60_000;

/**
 * Seeds a small demo set into an empty database (a few clinicians, a few
 * dozen patients, a week of weekday slots from tomorrow) and finds two
 * patients and two bookable slots. A database with data of its own is left
 * as it is. The dev server is open, so the anonymous caller lists patients.
 */
export async function ensureDemoData(pool: pg.Pool, core: CoreServices): Promise<DemoData> {
  const { total: patients } = await core.directory.listPatients(anonymousCaller, { limit: 1 });
  const { total: clinicians } = await core.directory.listClinicians(anonymousCaller, { limit: 1 });
  const seeded = patients === 0 && clinicians === 0;
  if (seeded) await runSeed(pool, demoPlan(new Date()), 1);
  const { patients: firstPatients } = await core.directory.listPatients(anonymousCaller, { limit: 2 });
  const { slots } = await core.slots.searchSlots(anonymousCaller, { available: true, from: new Date(), limit: 2 });
  const bookings = slots.slice(0, firstPatients.length).map((slot, index) => ({ slotId: slot.id, patientId: firstPatients[index]!.id }));
  return { seeded, bookings };
}

function demoPlan(today: Date): SeedPlan {
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return {
    clinicians: 4,
    patients: 36,
    weeks: 1,
    slotMinutes: 30,
    dayStart: 9 * 60,
    dayEnd: 17 * 60,
    startDate: new Date(midnight + day),
    capacity: 1,
    batchSize: 1000,
  };
}
