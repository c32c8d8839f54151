import { migrate } from "../../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { startServerProcess, type ServerProcess } from "./sched-process.js";

/** A fresh migrated database of its own with a `sched serve` process on it. */
export interface ServedDatabase {
  database: TestDatabase;
  server: ServerProcess;
  /**
   * Kills the server and drops the database. A server that died while the
   * tests ran is reported with its last words, instead of leaving only
   * "cannot reach" failures behind.
   */
  close(): Promise<void>;
}

export async function startServedDatabase(label: string, env: Record<string, string> = {}): Promise<ServedDatabase> {
  const database = await createTestDatabase(label);
  await migrate(database.dsn);
  const server = await startServerProcess({ POSTGRES_DSN: database.dsn, ...env });
  return {
    database,
    server,
    async close() {
      const early = await Promise.race([server.exited, undefined]);
      if (early === undefined) process.kill(server.pid, "SIGKILL");
      await server.exited;
      await database.drop();
      if (early) {
        const lastWords = `${server.stderr()}${JSON.stringify(server.logLines().slice(-5))}`;
        throw new Error(`sched serve exited during the tests (${early.code ?? early.signal}): ${lastWords}`);
      }
    },
  };
}
