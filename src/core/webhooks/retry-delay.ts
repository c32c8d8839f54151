/** The longest wait between two tries of one delivery. */
export const maxRetryDelayMs = 60 * 60_000;

/**
 * How long a delivery waits after its `attempts`-th failed try: the base,
 * doubled per try already made, capped at an hour, with "full jitter" (a
 * uniform pick between half and all of it) so that the deliveries of one
 * outage do not come back all at once.
 */
export function retryDelayMs(attempts: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxRetryDelayMs, baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
