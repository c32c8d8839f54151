import { readdir } from "node:fs/promises";
import { basename, extname } from "node:path";
import { migrationsDir } from "./migrate.js";

/** The one call needed: a pg.Pool has it. */
export interface SqlReader {
  query(text: string): Promise<{ rows: Array<Record<string, unknown>> }>;
}

const undefinedTable = "42P01";

/**
 * The migrations shipped in migrations/ that the database has not run, found
 * by reading node-pg-migrate's table: unlike the migration runner, this
 * writes nothing, so that serving never changes the schema.
 */
export async function pendingMigrations(database: SqlReader): Promise<string[]> {
  const shipped = (await readdir(migrationsDir))
    .filter((file) => file.endsWith(".sql"))
    .map((file) => basename(file, extname(file)))
    .sort();
  const applied = new Set(await appliedMigrations(database));
  return shipped.filter((name) => !applied.has(name));
}

async function appliedMigrations(database: SqlReader): Promise<string[]> {
  try {
    const { rows } = await database.query("SELECT name FROM pgmigrations");
    return rows.map((row) => String(row.name));
  } catch (error) {
    if ((error as { code?: unknown }).code === undefinedTable) return [];
    throw error;
  }
}
