import type { Queryable } from "../../adapters/postgres/pool.js";
import { seedClinicians } from "../../adapters/postgres/tooling/seed-clinicians.js";
import { seedPatients } from "../../adapters/postgres/tooling/seed-patients.js";
import { seedSlots } from "../../adapters/postgres/tooling/seed-slots.js";
import type { SeedPlan } from "./seed-plan.js";
import type { WorkingSchedule } from "./working-schedule.js";

export type SeededTable = "clinicians" | "patients" | "slots";

/** One INSERT statement, and so one transaction, of at most the plan's batch size. */
export interface Batch {
  table: SeededTable;
  insert(db: Queryable): Promise<number>;
}

const specialties = ["general practice", "cardiology", "dermatology", "paediatrics", "neurology", "orthopaedics", "oncology", "psychiatry"];

export function* clinicianBatches(plan: SeedPlan, clinicianIds: string[]): Generator<Batch> {
  for (let first = 0; first < clinicianIds.length; first += plan.batchSize) {
    const clinicians = clinicianIds.slice(first, first + plan.batchSize).map((id, index) => ({
      id,
      name: `Dr Clinician ${first + index + 1}`,
      specialty: specialties[(first + index) % specialties.length]!,
    }));
    yield { table: "clinicians", insert: (db) => seedClinicians(db, clinicians) };
  }
}

// The run tag keeps emails unique when a database is seeded more than once.
export function* patientBatches(plan: SeedPlan, runTag: string): Generator<Batch> {
  for (let first = 0; first < plan.patients; first += plan.batchSize) {
    const numbers = Array.from({ length: Math.min(plan.batchSize, plan.patients - first) }, (_, index) => first + index + 1);
    const patients = numbers.map((n) => ({ name: `Patient ${n}`, email: `patient-${n}-${runTag}@example.org` }));
    yield { table: "patients", insert: (db) => seedPatients(db, patients) };
  }
}

/**
 * Whole schedules for as many clinicians as fit in a batch; when one
 * clinician's schedule alone is larger than a batch, it is cut in pieces.
 */
export function* slotBatches(plan: SeedPlan, clinicianIds: string[], schedule: WorkingSchedule): Generator<Batch> {
  const perClinician = schedule.startTimes.length;
  const cliniciansPerBatch = Math.max(1, Math.floor(plan.batchSize / perClinician));
  const timesPerBatch = Math.min(perClinician, plan.batchSize);
  for (let clinician = 0; clinician < clinicianIds.length; clinician += cliniciansPerBatch) {
    for (let time = 0; time < perClinician; time += timesPerBatch) {
      const slots = {
        clinicianIds: clinicianIds.slice(clinician, clinician + cliniciansPerBatch),
        startTimes: schedule.startTimes.slice(time, time + timesPerBatch),
        endTimes: schedule.endTimes.slice(time, time + timesPerBatch),
        capacity: plan.capacity,
      };
      yield { table: "slots", insert: (db) => seedSlots(db, slots) };
    }
  }
}
