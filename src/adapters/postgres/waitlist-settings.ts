export interface WaitlistSettings {
  /** WAITLIST_OFFER_TTL. */
  offerTtlMs: number;
  /** MAX_ACTIVE_HOLDS_PER_PATIENT; 0: no cap. */
  holdCap: number;
}

/**
 * Offers are made by the database, inside whichever statement frees a place
 * (migrations/0013_waitlist.sql), so their lifetime and the hold cap they
 * respect reach it as settings of every session of the pool (createPool's
 * sessionSettings), not as parameters of each statement: the cancel, the
 * move, the expiry batch and the slot's changes all offer alike. A session
 * without them (psql) offers for 15 minutes with no cap.
 */
export function waitlistSessionSettings(settings: WaitlistSettings): Record<string, string> {
  return {
    "sched.waitlist_offer_ttl_ms": String(Math.round(settings.offerTtlMs)),
    "sched.waitlist_hold_cap": String(settings.holdCap),
  };
}
