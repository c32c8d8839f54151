import { systemActor } from "../access/caller.js";
import type { AppointmentStore } from "../ports/appointment-store.js";

export interface ExpiryRun {
  expired: number;
  /** True when the run stopped early because it was asked to. */
  interrupted: boolean;
}

/**
 * Brings lapsed holds to their final state, batch by batch. Nothing waits for
 * this to be correct: a lapsed hold stops counting the moment it lapses. This
 * only brings the stored status and the audit log up to date, so it can run
 * in any number of workers, at any pace. Its events name the system as the
 * actor: an expiry is the clock's doing, not any caller's.
 */
export class HoldExpiry {
  constructor(private readonly store: Pick<AppointmentStore, "expireLapsedHolds">) {}

  /** Expires every lapsed hold, stopping between batches once `signal` aborts. */
  async expireLapsedHolds(options: { batchSize?: number; signal?: AbortSignal } = {}): Promise<ExpiryRun> {
    const batchSize = options.batchSize ?? 1000;
    let expired = 0;
    for (;;) {
      if (options.signal?.aborted) return { expired, interrupted: true };
      const batch = await this.store.expireLapsedHolds(systemActor, batchSize);
      expired += batch;
      if (batch < batchSize) return { expired, interrupted: false };
    }
  }
}
