import pg from "pg";

export const adminDsn = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export function dsnFor(database: string): string {
  const url = new URL(adminDsn);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminDsn });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
