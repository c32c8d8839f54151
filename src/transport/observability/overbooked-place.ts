import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/**
 * Set on a call whose booking or move took a place beyond the slot's
 * capacity, as the database decided it, for sched_overbookings_total: the
 * answer alone cannot tell, since a replay, or a move of an overbooked
 * appointment to the slot it is in, answers overbooked having placed nothing.
 */
const overbookedPlaceKey = createContextKey(false, { description: "sched overbooked place taken" });

export function markOverbookedPlace(context: HandlerContext): void {
  context.values.set(overbookedPlaceKey, true);
}

export function tookOverbookedPlace(context: HandlerContext | undefined): boolean {
  return context?.values.get(overbookedPlaceKey) === true;
}
