import type pg from "pg";
import { anonymousCaller } from "../../core/access/caller.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { runSeed } from "../seed/run-seed.js";
import type { SeedPlan } from "../seed/seed-plan.js";
import { firstPatientId } from "../../adapters/postgres/tooling/first-patient.js";

/** Ids for the banner's ready-to-paste examples. */
export interface DemoBooking {
  slotId: string;
  patientId: string;
}

export interface DemoData {
  /** Whether this start created the demo set. */
  seeded: boolean;
  booking: DemoBooking | undefined;
}

const day = 24 * 60 * 60_000;

/**
 * Seeds a small demo set into an empty database (a few clinicians, a few
 * dozen patients, a week of weekday slots from tomorrow) and finds a patient
 * and a bookable slot. A database with data of its own is left as it is.
 */
export async function ensureDemoData(pool: pg.Pool, core: CoreServices): Promise<DemoData> {
  let patientId = await firstPatientId(pool);
  const { total: clinicians } = await core.directory.listClinicians(anonymousCaller, { limit: 1 });
  const seeded = patientId === undefined && clinicians === 0;
  if (seeded) {
    await runSeed(pool, demoPlan(new Date()), 1);
    patientId = await firstPatientId(pool);
  }
  const { slots } = await core.slots.searchSlots(anonymousCaller, { available: true, from: new Date(), limit: 1 });
  const slotId = slots[0]?.id;
  const booking = patientId !== undefined && slotId !== undefined ? { slotId, patientId } : undefined;
  return { seeded, booking };
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
