import { SchedError } from "./errors.js";

export const defaultPageLimit = 20;
export const maxPageLimit = 100;

export interface PageRequest {
  /** Absent means the default of 20. */
  limit?: number | undefined;
  /** Absent means 0. */
  offset?: number | undefined;
}

/**
 * A page of a listing: limit from 1 (default 20), offset from 0. A limit
 * above 100 gets the largest page there is, 100, rather than a refusal; a
 * limit or offset below its least is the caller's mistake, as the CLI says too.
 */
export function pageOf({ limit, offset }: PageRequest): { limit: number; offset: number } {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new SchedError("invalid_argument", `limit must be a whole number from 1 to ${maxPageLimit}, got ${limit}`);
  }
  if (offset !== undefined && !(Number.isInteger(offset) && offset >= 0)) {
    throw new SchedError("invalid_argument", `offset must be a whole number from 0, got ${offset}`);
  }
  return { limit: Math.min(limit ?? defaultPageLimit, maxPageLimit), offset: offset ?? 0 };
}
