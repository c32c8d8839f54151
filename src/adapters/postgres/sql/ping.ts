import type { Queryable } from "../pool.js";

/** The cheapest question that proves PostgreSQL answers, for readiness. */
export async function ping(db: Queryable): Promise<void> {
  await db.query({ name: "ping", text: "SELECT 1" });
}
