import type { Queryable } from "../pool.js";

// No API lists patients, and the banner needs a real one.
const text = `
SELECT id
  FROM patients
 ORDER BY created_at, id
 LIMIT 1`;

/** The longest-registered patient, or undefined when there is none. */
export async function firstPatientId(db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(text);
  return rows[0]?.id;
}
