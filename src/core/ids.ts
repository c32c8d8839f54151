import { SchedError, type ErrorCode } from "./errors.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/**
 * Rejects a malformed id before it reaches the database, where it would be a
 * cast error instead of the caller's mistake. Returns the id in lower case so
 * that one id always has one spelling (idempotency compares requests).
 */
export function requireUuid(value: string | undefined, code: ErrorCode, what: string): string {
  if (value === undefined || value === "") {
    throw new SchedError(code, `${what} is required`);
  }
  if (!isUuid(value)) {
    throw new SchedError(code, `${what} must be a UUID, got ${JSON.stringify(value.slice(0, 64))}`);
  }
  return value.toLowerCase();
}
