import { PGlite } from "@electric-sql/pglite";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { Logger } from "../../core/ports/logger.js";

/** PostgreSQL compiled to WebAssembly, served over the wire protocol on 127.0.0.1. */
export interface EmbeddedPostgres {
  /** A connection string any PostgreSQL client can use, one connection at a time. */
  dsn: string;
  /** Resolves once no client is connected, so that the next one can be. */
  untilNoClient(): Promise<void>;
  close(): Promise<void>;
}

const clientGoneTimeoutMs = 5_000;

/**
 * Starts PGlite on `dataDir` (created and initialised when missing) with the
 * btree_gist extension our schema needs, behind pglite-socket on a free port.
 *
 * PGlite is one PostgreSQL session. pglite-socket can multiplex several
 * connections onto it, but then they share that session: node-postgres names
 * its prepared statements per connection, and a second connection that
 * prepares the same name fails with "prepared statement already exists"
 * (measured). So the server admits one connection at a time, and every new
 * connection starts from a discarded session, as it would with a fresh
 * PostgreSQL backend.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const db = await PGlite.create({ dataDir, extensions: { btree_gist } });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 1 });
  // The listener runs before the new client's first message reaches PGlite's
  // query mutex, so the reset comes first.
  server.addEventListener("connection", () => {
    db.exec("DISCARD ALL").catch((error: unknown) =>
      logger.warn({ err: error }, "could not reset the embedded PostgreSQL session for a new connection"),
    );
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    dsn: `postgres://postgres@${server.getServerConn()}/postgres`,
    untilNoClient: () => untilNoClient(server),
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

// A client's end() resolves before the server has noticed the socket close;
// a new connection in between would be turned away as one too many.
async function untilNoClient(server: PGLiteSocketServer): Promise<void> {
  const deadline = performance.now() + clientGoneTimeoutMs;
  while (server.getStats().activeConnections > 0) {
    if (performance.now() > deadline) throw new Error("the embedded PostgreSQL still has a client connected");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
