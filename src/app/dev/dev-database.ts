import { startEmbeddedPostgres } from "../../adapters/embedded-postgres/embedded-postgres.js";
import { migrate } from "../migrate-database.js";
import type { Logger } from "../../core/ports/logger.js";
import { claimDataDir } from "./data-dir.js";

/** A migrated database for `sched dev`. */
export interface DevDatabase {
  dsn: string;
  /** PGlite, rather than the configured PostgreSQL. */
  embedded: boolean;
  /** Where the data lives, in words for the banner. */
  location: string;
  /** Connections the process may open; undefined leaves the pool's default. */
  poolSize: number | undefined;
  close(): Promise<void>;
}

export interface DevDatabaseOptions {
  /** The configured PostgreSQL, if any; otherwise PGlite in `dataDir`. */
  postgresDsn: string | undefined;
  dataDir: string;
  reset: boolean;
  logger: Logger;
}

export async function openDevDatabase(options: DevDatabaseOptions): Promise<DevDatabase> {
  if (options.postgresDsn !== undefined) {
    await migrate(options.postgresDsn);
    return {
      dsn: options.postgresDsn,
      embedded: false,
      location: "the PostgreSQL database of POSTGRES_DSN",
      poolSize: undefined,
      async close() {},
    };
  }
  const folder = await claimDataDir(options.dataDir, { reset: options.reset });
  try {
    const postgres = await startEmbeddedPostgres(folder.postgresDir, options.logger);
    try {
      await migrate(postgres.dsn);
      // The migration runner's own connection must be gone before the pool's.
      await postgres.untilNoClient();
    } catch (error) {
      await postgres.close();
      throw error;
    }
    return {
      dsn: postgres.dsn,
      embedded: true,
      location: folder.path,
      // One connection: the embedded server admits no more (see startEmbeddedPostgres).
      poolSize: 1,
      async close() {
        await postgres.close();
        await folder.release();
      },
    };
  } catch (error) {
    await folder.release();
    throw error;
  }
}
