import { isSchemaMistake, mistakeWords } from "../adapters/postgres/database-mistakes.js";
import { pendingMigrations, type SqlReader } from "../adapters/postgres/pending-migrations.js";
import { SchedError } from "../core/errors.js";

/**
 * What stands between a database and sched: nothing, an outage to wait out,
 * or a mistake to fix, either in the database itself (its name, the login:
 * `database`) or in its schema (`schema`).
 */
export type DatabaseReadiness =
  | { state: "ready" }
  | { state: "unreachable"; error: unknown }
  | { state: "mistaken"; in: "database" | "schema"; problem: string };

/**
 * Asks the database whether sched can run on it. Reading the migrations
 * table writes nothing, so that only `sched migrate` changes the schema.
 */
export async function databaseReadiness(database: SqlReader): Promise<DatabaseReadiness> {
  let pending: string[];
  try {
    pending = await pendingMigrations(database);
  } catch (error) {
    const problem = mistakeWords(error);
    if (problem === undefined) return { state: "unreachable", error };
    return { state: "mistaken", in: isSchemaMistake(error) ? "schema" : "database", problem };
  }
  if (pending.length === 0) return { state: "ready" };
  return { state: "mistaken", in: "schema", problem: `the database schema lacks ${pending.length} migration(s) (${pending.join(", ")}): run sched migrate` };
}

/** Resolves when sched can run on the database; otherwise throws what stands in the way. */
export async function requireReadyDatabase(database: SqlReader): Promise<void> {
  const readiness = await databaseReadiness(database);
  if (readiness.state === "unreachable") throw readiness.error;
  if (readiness.state === "mistaken") throw new SchedError("database_not_ready", readiness.problem);
}

/** One line saying what an operator must fix in the database, if the error is such a mistake. */
export function databaseMistake(error: unknown): string | undefined {
  for (let at = error, depth = 0; at !== null && typeof at === "object" && depth < 4; at = (at as { cause?: unknown }).cause, depth += 1) {
    const words = mistakeWords(at);
    if (words !== undefined) return words;
  }
  return undefined;
}
