import pg from "pg";
import { silentLogger, type Logger } from "../../core/ports/logger.js";

/** What a query function needs: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

export interface PoolOptions {
  /** Connections per process; PostgreSQL, not Node, is the bottleneck past a few dozen. */
  max?: number;
  /** How long opening a new connection may take before the request fails as unavailable. */
  connectionTimeoutMs?: number;
  /** How long a request may wait for a busy pool's connection to come free before it fails as unavailable. */
  waitTimeoutMs?: number;
  /**
   * The longest any one statement may run. Unset means no limit, for bulk
   * commands such as `seed`; the server sets it so that a stuck or unreachable
   * database fails requests instead of holding them.
   */
  queryTimeoutMs?: number;
  applicationName?: string;
  logger?: Logger;
  /** Settings every connection makes for its session before its first query (see waitlist-settings.ts). */
  sessionSettings?: Record<string, string>;
}

// The client-side deadline sits a little after the server's, so that a slow
// statement is normally cancelled by PostgreSQL (the connection stays usable)
// and the client only gives up on a server that does not answer at all.
const clientDeadlineMarginMs = 500;

// Opening a connection and waiting for a free one fail for different
// reasons: the first only when PostgreSQL is unreachable, which must fail
// fast; the second when a burst of requests (2 000 at once in the fault
// suite) outnumbers the connections, which drains in a few seconds and must
// not turn into 503s. pg-pool has one timeout for both, so the connect
// deadline goes to each client and the pool's to the wait.
function clientOpeningWithin(connectionTimeoutMs: number): typeof pg.Client {
  return class extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super({ ...(typeof config === "string" ? { connectionString: config } : config), connectionTimeoutMillis: connectionTimeoutMs });
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (error: Error) => void): void;
    override connect(callback?: (error: Error) => void): Promise<pg.Client> | void {
      if (callback === undefined) {
        return super.connect().catch((error: unknown) => {
          throw openingFailure(error);
        });
      }
      // pg calls back with null on success, whatever its types say.
      super.connect((error: Error) => callback(error && (openingFailure(error) as Error)));
    }
  };
}

// The client's own deadline says only "timeout expired"; pg-pool words the
// same event "Connection terminated due to connection timeout", which is
// what translatePgError recognises as an outage.
function openingFailure(error: unknown): unknown {
  if (!(error instanceof Error) || error.message !== "timeout expired") return error;
  return new Error("Connection terminated due to connection timeout", { cause: error });
}

// pg-pool awaits this before it hands a new connection out; a failure closes
// the connection and fails the request that asked for it.
function sessionSetter(settings: Record<string, string>): (client: pg.ClientBase) => Promise<void> {
  const names = Object.keys(settings);
  const values = names.map((name) => settings[name]!);
  return async (client) => {
    await client.query({
      text: "SELECT set_config(s.name, s.value, false) FROM unnest($1::text[], $2::text[]) AS s (name, value)",
      values: [names, values],
    });
  };
}

export function createPool(postgresDsn: string, options: PoolOptions = {}): pg.Pool {
  const queryTimeoutMs = options.queryTimeoutMs;
  const pool = new pg.Pool({
    connectionString: postgresDsn,
    max: options.max ?? 10,
    Client: clientOpeningWithin(options.connectionTimeoutMs ?? 2_000),
    connectionTimeoutMillis: options.waitTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? "sched",
    ...(queryTimeoutMs === undefined
      ? {}
      : { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + clientDeadlineMarginMs }),
    ...(options.sessionSettings === undefined ? {} : { onConnect: sessionSetter(options.sessionSettings) }),
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
