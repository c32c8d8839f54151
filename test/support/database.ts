import { randomBytes } from "node:crypto";
import pg from "pg";

const adminDsn = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  dsn: string;
  name: string;
  drop(): Promise<void>;
}

function dsnFor(database: string): string {
  const url = new URL(adminDsn);
  url.pathname = `/${database}`;
  return url.toString();
}

// A pool's end() resolves while its connections may still be closing; FORCE
// would then terminate them, and their clients would report the
// termination as an unhandled error. Waiting a moment lets them go quietly;
// FORCE is only for what a test left behind.
async function connectionsGone(admin: pg.Client, database: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const { rows } = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
      [database],
    );
    if (rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A fresh, empty database for one test file, so that files run in parallel
 * and never see each other's rows.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const safeLabel = label.toLowerCase().replace(/[^a-z0-9]+/g, "_").slice(0, 30);
  const name = `sched_test_${safeLabel}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminDsn });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    dsn: dsnFor(name),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminDsn });
      await client.connect();
      try {
        await connectionsGone(client, name);
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
