import type pg from "pg";
import { isConnectionFailure } from "./translate-error.js";

/** Runs `work` in one transaction on one pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    if (isConnectionFailure(error)) {
      // PostgreSQL rolls back a transaction whose connection closes; a ROLLBACK
      // sent on a connection that timed out would only wait for a second timeout.
      broken = error instanceof Error ? error : new Error(String(error));
    } else {
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
    }
    throw error;
  } finally {
    // Releasing with an error closes the connection instead of pooling it.
    client.release(broken);
  }
}
