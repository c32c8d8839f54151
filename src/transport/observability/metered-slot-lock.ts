import type { Counter } from "prom-client";
import type { SlotLock } from "../../core/ports/slot-lock.js";

/** The slot lock, counting each attempt's outcome; the core stays unaware of metrics. */
export function meteredSlotLock(lock: SlotLock, attempts: Counter<"outcome">): SlotLock {
  return {
    async tryAcquire(slotId) {
      const attempt = await lock.tryAcquire(slotId);
      attempts.inc({ outcome: attempt.outcome });
      return attempt;
    },
    isAvailable: () => lock.isAvailable(),
    close: () => lock.close(),
  };
}
