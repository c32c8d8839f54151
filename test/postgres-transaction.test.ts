import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/adapters/postgres/pool.js";
import { inTransaction } from "../src/adapters/postgres/transaction.js";
import { translatePgError } from "../src/adapters/postgres/translate-error.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

let database: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase("postgres_transaction");
  admin = new pg.Client({ connectionString: database.dsn });
  await admin.connect();
});

afterAll(async () => {
  await admin.end();
  await database.drop();
});

interface FailedTransaction {
  failure: unknown;
  /** Whether the pool's next query ran on the connection the transaction had. */
  keptConnection: boolean;
}

/**
 * Runs `work` in a transaction on a pool of one connection and returns how it
 * failed, and whether the pool then went on with the same connection.
 */
async function failedTransaction(
  options: { queryTimeoutMs?: number },
  work: (client: pg.PoolClient, backendPid: number) => Promise<void>,
): Promise<FailedTransaction> {
  const pool = createPool(database.dsn, { max: 1, ...options });
  try {
    let firstPid = 0;
    const failure = await inTransaction(pool, async (client) => {
      firstPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      await work(client, firstPid);
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const { rows } = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    return { failure, keptConnection: rows[0]!.pid === firstPid };
  } finally {
    await pool.end();
  }
}

describe("a transaction whose connection is lost", () => {
  // The termination notice arrives while the client is checked out and runs
  // no statement: the client emits it as an 'error' event, which would end
  // the process if nothing listened (vitest fails the file on one).
  it("fails as unavailable when the server ends the session between two statements, and the pool goes on with a fresh connection", async () => {
    const { failure, keptConnection } = await failedTransaction({}, async (client, backendPid) => {
      await admin.query("SELECT pg_terminate_backend($1)", [backendPid]);
      await sleep(200);
      await client.query("SELECT 1");
    });
    expect(translatePgError(failure).code).toBe("unavailable");
    expect(keptConnection).toBe(false);
  });

  it("does not pool a connection whose statement outlived the client's deadline", async () => {
    // statement_timeout is the server's deadline; lifting it for this one
    // statement leaves only the client's, as with a server that stopped answering.
    const { failure, keptConnection } = await failedTransaction({ queryTimeoutMs: 200 }, async (client) => {
      await client.query("SET LOCAL statement_timeout = 0");
      await client.query("SELECT pg_sleep(2)");
    });
    expect(failure).toMatchObject({ message: "Query read timeout" });
    expect(translatePgError(failure).code).toBe("unavailable");
    expect(keptConnection).toBe(false);
  });

  it("keeps the connection of a transaction whose statement PostgreSQL cancelled at statement_timeout", async () => {
    const { failure, keptConnection } = await failedTransaction({ queryTimeoutMs: 200 }, async (client) => {
      await client.query("SELECT pg_sleep(2)");
    });
    expect(failure).toMatchObject({ code: "57014" });
    expect(translatePgError(failure).code).toBe("unavailable");
    expect(keptConnection).toBe(true);
  });
});
