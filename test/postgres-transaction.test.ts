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

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("a transaction whose connection is lost", () => {
  // The termination notice arrives while the client is checked out and runs
  // no statement: the client emits it as an 'error' event, which would end
  // the process if nothing listened (vitest fails the file on one).
  it("fails as unavailable when the server ends the session between two statements, and the pool goes on with a fresh connection", async () => {
    const pool = createPool(database.dsn, { max: 1 });
    try {
      let firstPid = 0;
      const failure = await failureOf(
        inTransaction(pool, async (client) => {
          firstPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
          await admin.query("SELECT pg_terminate_backend($1)", [firstPid]);
          await sleep(200);
          await client.query("SELECT 1");
        }),
      );
      expect(translatePgError(failure).code).toBe("unavailable");
      const { rows } = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      expect(rows[0]!.pid).not.toBe(firstPid);
    } finally {
      await pool.end();
    }
  });

  it("does not pool a connection whose statement outlived the client's deadline", async () => {
    const pool = createPool(database.dsn, { max: 1, queryTimeoutMs: 200 });
    try {
      let firstPid = 0;
      // statement_timeout is the server's deadline; lifting it for this one
      // statement leaves only the client's, as with a server that stopped answering.
      const failure = await failureOf(
        inTransaction(pool, async (client) => {
          firstPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
          await client.query("SET LOCAL statement_timeout = 0");
          await client.query("SELECT pg_sleep(2)");
        }),
      );
      expect(failure).toMatchObject({ message: "Query read timeout" });
      expect(translatePgError(failure).code).toBe("unavailable");
      const { rows } = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      expect(rows[0]!.pid).not.toBe(firstPid);
    } finally {
      await pool.end();
    }
  });

  it("keeps the connection of a transaction whose statement PostgreSQL cancelled at statement_timeout", async () => {
    const pool = createPool(database.dsn, { max: 1, queryTimeoutMs: 200 });
    try {
      let firstPid = 0;
      const failure = await failureOf(
        inTransaction(pool, async (client) => {
          firstPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
          await client.query("SELECT pg_sleep(2)");
        }),
      );
      expect(failure).toMatchObject({ code: "57014" });
      expect(translatePgError(failure).code).toBe("unavailable");
      const { rows } = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      expect(rows[0]!.pid).toBe(firstPid);
    } finally {
      await pool.end();
    }
  });
});
