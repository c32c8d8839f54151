import { createPool } from "../../adapters/postgres/pool.js";
import { requireReadyDatabase } from "../database-readiness.js";
import { runSeed, type SeedSummary, type StartProgress } from "./run-seed.js";
import type { SeedPlan } from "./seed-plan.js";

/** `sched seed`: the plan's rows, written over `connections` connections of their own. */
export async function seedDatabase(postgresDsn: string, plan: SeedPlan, connections: number, startProgress?: StartProgress): Promise<SeedSummary> {
  const pool = createPool(postgresDsn, { max: connections, applicationName: "sched-seed" });
  try {
    await requireReadyDatabase(pool);
    return await runSeed(pool, plan, connections, startProgress);
  } finally {
    await pool.end();
  }
}
