import pg from "pg";
import { silentLogger, type Logger } from "../../core/ports/logger.js";

/** What a query function needs: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export interface PoolOptions {
  /** Connections per process; PostgreSQL, not Node, is the bottleneck past a few dozen. */
  max?: number;
  /** How long a request may wait for a connection (to open, or to be free) before it fails as unavailable. */
  connectionTimeoutMs?: number;
  /**
   * The longest any one statement may run. Unset means no limit, for bulk
   * commands such as `seed`; the server sets it so that a stuck or unreachable
   * database fails requests instead of holding them.
   */
  queryTimeoutMs?: number;
  applicationName?: string;
  logger?: Logger;
}

// The client-side deadline sits a little after the server's, so that a slow
// statement is normally cancelled by PostgreSQL (the connection stays usable)
// and the client only gives up on a server that does not answer at all.
const clientDeadlineMarginMs = 500;

export function createPool(postgresDsn: string, options: PoolOptions = {}): pg.Pool {
  const queryTimeoutMs = options.queryTimeoutMs;
  const pool = new pg.Pool({
    connectionString: postgresDsn,
    max: options.max ?? 10,
    // An outage must fail requests fast rather than queue them until the
    // client gives up.
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 2_000,
    application_name: options.applicationName ?? "sched",
    ...(queryTimeoutMs === undefined
      ? {}
      : { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + clientDeadlineMarginMs }),
  });
  const logger = options.logger ?? silentLogger;
  // An idle connection that the server closes (restart, failover, an
  // administrator) is emitted as an error on the pool; unheard, it would end
  // the process. The pool replaces the connection on next use.
  pool.on("error", (error) => logger.warn({ err: error }, "an idle PostgreSQL connection was closed"));
  // A checked-out client has no listener of the pool's: a shutdown notice that
  // arrives between two statements of a transaction would end the process.
  // Nothing is lost by not logging here: the failure reaches the statement it
  // broke (or the pool's idle warning above), and the transaction releases
  // the broken client (see inTransaction).
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  return pool;
}
