import { randomBytes } from "node:crypto";
import type pg from "pg";
import { clinicianBatches, patientBatches, slotBatches, type Batch, type SeededTable } from "./seed-batches.js";
import { runConcurrently } from "./run-concurrently.js";
import type { SeedPlan } from "./seed-plan.js";
import { timeOrderedUuids } from "./time-ordered-uuids.js";
import { workingSchedule, type WorkingSchedule } from "./working-schedule.js";

/** Where a seed reports the rows it has written; the CLI draws a bar with it. */
export interface SeedProgress {
  advance(rows: number): void;
  stop(): void;
}

/** Starts reporting a seed of `totalRows` rows. */
export type StartProgress = (totalRows: number) => SeedProgress;

const unwatched: StartProgress = () => ({ advance() {}, stop() {} });

export interface SeedSummary {
  rows: Record<SeededTable, number> & { total: number };
  seconds: number;
  rowsPerSecond: number;
  /** The schedule every seeded clinician works. */
  slotsFrom: string | null;
  slotsTo: string | null;
}

/**
 * Clinicians first, since their slots refer to them; then patients and slots
 * in one stream of batches over `concurrency` connections, so that no
 * connection waits for the other table's last batch.
 */
export async function runSeed(pool: pg.Pool, plan: SeedPlan, concurrency: number, startProgress: StartProgress = unwatched): Promise<SeedSummary> {
  const schedule = workingSchedule(plan);
  const clinicianIds = timeOrderedUuids(plan.clinicians);
  const expected = plan.clinicians + plan.patients + plan.clinicians * schedule.startTimes.length;
  const progress = startProgress(expected);
  const rows = { clinicians: 0, patients: 0, slots: 0 };
  const insert = insertInto(pool, rows, progress);
  const started = performance.now();
  try {
    await runConcurrently(clinicianBatches(plan, clinicianIds), concurrency, insert);
    await runConcurrently(patientsThenSlots(plan, clinicianIds, schedule), concurrency, insert);
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const total = rows.clinicians + rows.patients + rows.slots;
  return {
    rows: { ...rows, total },
    seconds: Math.round(seconds * 1000) / 1000,
    rowsPerSecond: Math.round(total / seconds),
    slotsFrom: schedule.startTimes[0] ?? null,
    slotsTo: schedule.endTimes.at(-1) ?? null,
  };
}

function insertInto(pool: pg.Pool, rows: Record<SeededTable, number>, progress: SeedProgress): (batch: Batch) => Promise<void> {
  return async (batch) => {
    const inserted = await batch.insert(pool);
    rows[batch.table] += inserted;
    progress.advance(inserted);
  };
}

function* patientsThenSlots(plan: SeedPlan, clinicianIds: string[], schedule: WorkingSchedule): Generator<Batch> {
  yield* patientBatches(plan, randomBytes(4).toString("hex"));
  yield* slotBatches(plan, clinicianIds, schedule);
}
