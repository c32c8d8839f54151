import { createPool } from "../../adapters/postgres/pool.js";
import { auditInvariants, type InvariantAudit } from "../../adapters/postgres/tooling/audit-invariants.js";
import { loadHistoryRecord } from "../../adapters/postgres/tooling/load-history-record.js";
import { loadSimulationIds, type SimulationIds } from "../../adapters/postgres/tooling/load-simulation-ids.js";

import type { DatabaseRecord } from "../../core/history/database-record.js";
import { requireReadyDatabase } from "../database-readiness.js";

export type { InvariantAudit, SimulationIds };

/** What `sched simulate` reads from PostgreSQL: the ids it books with before the run, the audit after it. */
export interface SimulationDatabase {
  /** Throws when the database or its schema is not one sched can run on. */
  requireReady(): Promise<void>;
  /** What the database holds of these slots' bookings, for the history check. */
  loadHistoryRecord(scope: { slotIds: string[]; since?: number }): Promise<DatabaseRecord>;
  loadIds(limits: { patients: number; slots: number }): Promise<SimulationIds>;
  audit(): Promise<InvariantAudit>;
  close(): Promise<void>;
}

export function openSimulationDatabase(postgresDsn: string): SimulationDatabase {
  const pool = createPool(postgresDsn, { max: 2, applicationName: "sched-simulate" });
  return {
    requireReady: () => requireReadyDatabase(pool),
    loadHistoryRecord: (scope) => loadHistoryRecord(pool, scope),
    loadIds: (limits) => loadSimulationIds(pool, limits),
    audit: () => auditInvariants(pool),
    close: () => pool.end(),
  };
}
