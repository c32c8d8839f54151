import { join } from "node:path";
import { runner } from "node-pg-migrate";
import { packageRoot } from "../../package-root.js";

export const migrationsDir = join(packageRoot, "migrations");

export interface MigrationReport {
  applied: string[];
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Brings the schema up to date. Several instances may call this at once:
 * node-pg-migrate holds a PostgreSQL advisory lock for the whole run, and with
 * "wait" the late arrivals block until the first one is done and then find
 * nothing left to apply.
 */
export async function migrate(postgresDsn: string): Promise<MigrationReport> {
  const applied = await runner({
    databaseUrl: postgresDsn,
    dir: migrationsDir,
    direction: "up",
    migrationsTable: "pgmigrations",
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: "wait",
    logger: silent,
  });
  return { applied: applied.map((migration) => migration.name) };
}
