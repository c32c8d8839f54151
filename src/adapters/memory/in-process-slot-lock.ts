import { performance } from "node:perf_hooks";
import type { LockAttempt, SlotLock } from "../../core/ports/slot-lock.js";

interface Holder {
  expiresAt: number;
}

/**
 * The slot lock for a single process without Redis (`sched dev`). It behaves
 * like the Redis lock, expiry included, but shields one process only.
 */
export class InProcessSlotLock implements SlotLock {
  private readonly holders = new Map<string, Holder>();

  constructor(private readonly options: { lockTtlMs: number }) {}

  async tryAcquire(slotId: string): Promise<LockAttempt> {
    // A monotonic clock, so that a wall-clock jump neither frees nor freezes locks.
    const now = performance.now();
    const current = this.holders.get(slotId);
    if (current !== undefined && current.expiresAt > now) return { outcome: "busy" };
    const holder: Holder = { expiresAt: now + this.options.lockTtlMs };
    this.holders.set(slotId, holder);
    return {
      outcome: "acquired",
      release: async () => {
        // Compared by identity: a holder whose lock expired and was taken by
        // another must not free the newcomer's.
        if (this.holders.get(slotId) === holder) this.holders.delete(slotId);
      },
    };
  }

  async isAvailable(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.holders.clear();
  }
}
