export const defaultPageLimit = 20;
export const maxPageLimit = 100;

export interface PageRequest {
  limit?: number | undefined;
  offset?: number | undefined;
}

/**
 * SPEC: limit defaults to 20 and is at most 100, offset defaults to 0. Out of
 * range values are clamped rather than refused, as the original service did,
 * so that a client asking for 500 gets the largest page there is.
 */
export function clampPage({ limit, offset }: PageRequest): { limit: number; offset: number } {
  const wholeLimit = limit === undefined || !Number.isFinite(limit) || limit <= 0 ? defaultPageLimit : Math.trunc(limit);
  const wholeOffset = offset === undefined || !Number.isFinite(offset) || offset < 0 ? 0 : Math.trunc(offset);
  return { limit: Math.min(wholeLimit, maxPageLimit), offset: wholeOffset };
}
