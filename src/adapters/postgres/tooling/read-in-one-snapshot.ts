import type pg from "pg";

/**
 * Runs each audit query in one REPEATABLE READ, read-only snapshot, so that
 * every finding describes the same moment even while the service writes,
 * and returns each query's rows under its name.
 */
export async function readInOneSnapshot<Audit extends { [Finding in keyof Audit]: unknown[] }>(
  db: Pick<pg.Pool, "connect">,
  queries: Record<keyof Audit, string>,
  parametersOf: (finding: keyof Audit) => unknown[] = () => [],
): Promise<Audit> {
  const client = await db.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const audit = {} as Audit;
    for (const [finding, text] of Object.entries(queries) as [keyof Audit, string][]) {
      const { rows } = await client.query(text, parametersOf(finding));
      audit[finding] = rows as Audit[keyof Audit];
    }
    await client.query("COMMIT");
    return audit;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
