import type { Logger } from "../core/ports/logger.js";
import type { HoldExpiry } from "../core/services/hold-expiry.js";
import type { Schedules } from "../core/services/schedules.js";

export interface ExpiryLoopOptions {
  expiry: HoldExpiry;
  intervalMs: number;
  batchSize?: number;
  logger: Logger;
  /** Extends every schedule's slots to the horizon after each expiry run. */
  schedules?: Schedules;
}

/**
 * Runs the expiry, then the extension of the schedules' slots, every interval until stopped. Runs never overlap: the next
 * one is scheduled when the last one ends. A failed run is logged and the
 * loop carries on, since the next run repeats whatever it missed.
 */
export class ExpiryLoop {
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;

  constructor(private readonly options: ExpiryLoopOptions) {}

  /** One run, logged with its count and duration. */
  async runOnce(): Promise<number> {
    const started = performance.now();
    const { expired, interrupted } = await this.options.expiry.expireLapsedHolds({
      batchSize: this.options.batchSize,
      signal: this.stopping.signal,
    });
    const durationMs = Math.round(performance.now() - started);
    this.options.logger.info({ expired, duration_ms: durationMs, interrupted }, "expiry run finished");
    if (this.options.schedules !== undefined && !this.stopping.signal.aborted) {
      const extensionStarted = performance.now();
      const extended = await this.options.schedules.extendAll({ signal: this.stopping.signal });
      if (extended.schedules > 0) {
        this.options.logger.info(
          { schedules: extended.schedules, slots: extended.slots, duration_ms: Math.round(performance.now() - extensionStarted) },
          "schedules extended",
        );
      }
    }
    return expired;
  }

  start(): void {
    const tick = () => {
      this.current = this.runOnce()
        .then(
          () => undefined,
          (error: unknown) => this.options.logger.error({ err: error }, "expiry run failed"),
        )
        .finally(() => {
          if (!this.stopping.signal.aborted) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    tick();
  }

  /** Stops after the batch in flight; the rest is left for the next worker. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.current;
  }
}
