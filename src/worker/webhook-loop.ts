import type { ChangeWakes } from "../core/ports/event-log.js";
import type { Logger } from "../core/ports/logger.js";
import type { WebhookDelivery } from "../core/services/webhook-delivery.js";

export interface WebhookLoopOptions {
  delivery: WebhookDelivery;
  /** Wakes the loop when events were committed (the event feed's LISTEN and poll). */
  wakes: ChangeWakes;
  /** A round at least this often, for retries coming due. */
  idleMs: number;
  logger: Logger;
}

/**
 * Runs delivery rounds: at once after a round that found work, on every
 * wake, and otherwise every idleMs. Rounds never overlap. A failed round is
 * logged and the loop carries on: whatever it missed is still in the tables.
 */
export class WebhookLoop {
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: WebhookLoopOptions) {}

  start(): void {
    this.unsubscribe = this.options.wakes.subscribe(() => this.wake?.());
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      try {
        const round = await this.options.delivery.runRound();
        busy = round.sent > 0 || round.planned > 0;
        if (round.sent > 0) this.options.logger.info({ ...round }, "webhook round finished");
      } catch (error) {
        this.options.logger.error({ err: error }, "webhook round failed");
      }
      if (busy || this.stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.idleMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }
}
