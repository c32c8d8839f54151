import pg from "pg";
import { silentLogger, type Logger } from "../../core/ports/logger.js";

/** What a query function needs: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export interface PoolOptions {
  /** Connections per process; PostgreSQL, not Node, is the bottleneck past a few dozen. */
  max?: number;
  /** How long a request may wait for a connection before it fails as unavailable. */
  connectionTimeoutMs?: number;
  applicationName?: string;
  logger?: Logger;
}

export function createPool(postgresDsn: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: postgresDsn,
    max: options.max ?? 10,
    // An outage must fail requests fast rather than queue them until the
    // client gives up.
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 2_000,
    application_name: options.applicationName ?? "sched",
  });
  // An idle connection that the server closes (restart, failover, an
  // administrator) is emitted as an error on the pool; unheard, it would end
  // the process. The pool replaces the connection on next use.
  const logger = options.logger ?? silentLogger;
  pool.on("error", (error) => logger.warn({ err: error }, "an idle PostgreSQL connection was closed"));
  return pool;
}
