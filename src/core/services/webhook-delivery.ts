import { retryDelayMs } from "../webhooks/retry-delay.js";
import type { WebhookSender, WebhookStore } from "../ports/webhook-store.js";

export interface WebhookDeliveryOptions {
  store: WebhookStore;
  sender: WebhookSender;
  /** Tries before a delivery is dead (WEBHOOK_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** One try's timeout (WEBHOOK_TIMEOUT); a claim is leased for twice it. */
  timeoutMs: number;
  /** The first retry's delay (WEBHOOK_RETRY_BASE). */
  retryBaseMs: number;
  /** Deliveries claimed and sent at once. */
  batchSize?: number;
}

export interface DeliveryRound {
  planned: number;
  sent: number;
  failed: number;
}

/**
 * One round of the webhook worker: plan the feed's new events into
 * deliveries, then claim a batch of due ones and try each. A claim counts the
 * try and leases the delivery before it is sent, so a worker that dies
 * mid-batch leaves its deliveries to be claimed again when the lease ends:
 * at least once. A batch never holds two deliveries of one appointment to
 * one webhook, and a later one is only claimed once the earlier is delivered
 * or dead: in order per appointment. Any number of workers share the work
 * (the claims skip rows another worker has locked).
 */
export class WebhookDelivery {
  constructor(private readonly options: WebhookDeliveryOptions) {}

  async runRound(): Promise<DeliveryRound> {
    const { store, sender, maxAttempts, timeoutMs, retryBaseMs, batchSize = 100 } = this.options;
    let planned = 0;
    for (;;) {
      const scanned = await store.plan(500);
      planned += scanned;
      if (scanned === 0) break;
    }
    const claimed = await store.claim(batchSize, 2 * timeoutMs);
    let failed = 0;
    await Promise.all(
      claimed.map(async (delivery) => {
        const outcome = await sender.send(delivery);
        if (!outcome.ok) failed += 1;
        await store.settle(delivery.id, outcome, {
          dead: !outcome.ok && delivery.attempts >= maxAttempts,
          retryInMs: retryDelayMs(delivery.attempts, retryBaseMs),
        });
      }),
    );
    return { planned, sent: claimed.length, failed };
  }
}
