// SQLSTATEs that no retry cures: the database named is wrong, the login is
// refused, or the schema is not there. Each needs an operator, and the words
// say which fix.
const mistakes: Record<string, (message: string) => string> = {
  // invalid_catalog_name: `database "x" does not exist`
  "3D000": (message) => `${message}: create it, or correct POSTGRES_DSN; then run sched migrate`,
  // invalid_password, invalid_authorization_specification
  "28P01": (message) => `PostgreSQL refused the login (${message}): correct POSTGRES_DSN`,
  "28000": (message) => `PostgreSQL refused the login (${message}): correct POSTGRES_DSN`,
  // undefined_table, undefined_column, undefined_function: a schema older than this code
  "42P01": () => "the database has no sched schema, or an old one: run sched migrate",
  "42703": () => "the database has an old sched schema: run sched migrate",
  "42883": () => "the database has an old sched schema: run sched migrate",
};

/** Whether the mistake is a missing or old schema, which `sched migrate` cures. */
export function isSchemaMistake(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return code === "42P01" || code === "42703" || code === "42883";
}

/** Whether the error means the database cannot serve sched until someone fixes it (rather than "try again"). */
export function isDatabaseMistake(error: unknown): boolean {
  return mistakeWords(error) !== undefined;
}

/** One line saying what is wrong with the database and what to do, if the error is such a mistake. */
export function mistakeWords(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== "string" || !Object.hasOwn(mistakes, code)) return undefined;
  return mistakes[code]!(typeof message === "string" ? message : code);
}
