/**
 * A short per-slot lock shared by all instances, taken before a booking so
 * that a burst on one slot is turned away cheaply instead of queueing on the
 * slot's row lock in PostgreSQL. It only sheds load: the database decides
 * whether a booking fits, so a lock that is lost, expired or unavailable can
 * never cause an overbooking.
 */
export interface SlotLock {
  tryAcquire(slotId: string): Promise<LockAttempt>;
  /** Whether the lock service answers right now, for readiness. */
  isAvailable(): Promise<boolean>;
  close(): Promise<void>;
}

export type LockAttempt =
  | { outcome: "acquired"; release(): Promise<void> }
  /** Another request holds the slot's lock. */
  | { outcome: "busy" }
  /** The lock service did not answer in time; book without it. */
  | { outcome: "unavailable" };
