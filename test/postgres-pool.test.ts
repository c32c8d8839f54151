import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../src/adapters/postgres/pool.js";
import { translatePgError } from "../src/adapters/postgres/translate-error.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase("postgres_pool");
});

afterAll(async () => {
  await database.drop();
});

describe("the PostgreSQL pool", () => {
  // Found by the fault suite's 2 000 concurrent requests: with one 2-second
  // limit for opening and for waiting, a burst that drained in 2–3 s on a busy
  // machine answered well-behaved clients 503.
  it("lets a request wait for a busy connection longer than opening a connection may take", async () => {
    const pool = createPool(database.dsn, { max: 1, connectionTimeoutMs: 300, waitTimeoutMs: 10_000 });
    try {
      const holder = await pool.connect();
      const released = new Promise<void>((resolve) =>
        setTimeout(() => {
          holder.release();
          resolve();
        }, 1_000),
      );
      const { rows } = await pool.query<{ answer: number }>("SELECT 42 AS answer");
      await released;
      expect(rows).toEqual([{ answer: 42 }]);
    } finally {
      await pool.end();
    }
  });

  it("fails as unavailable when a new connection does not open in time, without waiting the whole wait limit", async () => {
    // Accepts connections and never says a word, as a hung PostgreSQL would.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const pool = createPool(`postgres://postgres@127.0.0.1:${port}/none`, { max: 1, connectionTimeoutMs: 300, waitTimeoutMs: 60_000 });
    try {
      const failure = await pool.query("SELECT 1").then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(translatePgError(failure).code).toBe("unavailable");
    } finally {
      await pool.end();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 30_000);
});
