import { SchedError } from "../../core/errors.js";
import type { Operation } from "./operation-stats.js";

/** The share of each operation; the shares add up to 1. */
export type TrafficMix = Record<Operation, number>;

/** Ratios in any unit (0.6/0.3/0.1, 6/3/1, 60/30/10) made into shares. */
export function normalisedMix(ratios: TrafficMix): TrafficMix {
  const sum = ratios.booking + ratios.confirm + ratios.read;
  if (sum <= 0) throw new SchedError("invalid_usage", "the booking, confirm and read ratios are all 0: at least one must be above 0");
  return { booking: ratios.booking / sum, confirm: ratios.confirm / sum, read: ratios.read / sum };
}

/**
 * A confirmation needs a hold of the worker's own; a worker that has none
 * books instead, which makes the hold a later confirmation can take.
 */
export function chooseOperation(mix: TrafficMix, hasHold: boolean, draw = Math.random()): Operation {
  if (draw < mix.booking) return "booking";
  // A share of 0 is never drawn, even where the shares' sum rounds below 1.
  const confirming = mix.read === 0 || draw < mix.booking + mix.confirm;
  if (!confirming) return "read";
  return hasHold ? "confirm" : "booking";
}
