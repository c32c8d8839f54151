import type { AppointmentEventType } from "../model/appointment.js";
import type { ClaimedDelivery, Delivery, DeliveryFigures, DeliveryOutcome, Webhook } from "../model/webhook.js";

export interface WebhookStore {
  /** Registers a webhook that follows the feed from its current head. */
  create(webhook: { url: string; eventTypes: AppointmentEventType[]; secret: string }): Promise<Webhook>;
  list(): Promise<Webhook[]>;
  /** False when there was none. */
  delete(id: string): Promise<boolean>;
  /** Newest first; undefined when the webhook does not exist. */
  deliveries(webhookId: string, limit: number): Promise<Delivery[] | undefined>;
  /** Turns up to `limit` published events per webhook into deliveries and moves each webhook's cursor; returns how many events were scanned. */
  plan(limit: number): Promise<number>;
  /**
   * Claims up to `limit` due deliveries, none of which has an earlier pending
   * delivery of the same appointment to the same webhook, counting the try
   * and leasing them for `leaseMs`.
   */
  claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Records a try: delivered, retried after `retryInMs`, or dead. */
  settle(id: string, outcome: DeliveryOutcome, next: { dead: boolean; retryInMs: number }): Promise<void>;
  /** Every webhook's deliveries counted by state. */
  figures(): Promise<DeliveryFigures>;
}

/** Sends one delivery; never throws: a failure is an outcome. */
export interface WebhookSender {
  send(delivery: ClaimedDelivery): Promise<DeliveryOutcome>;
}

/** Decides whether a URL may receive webhooks (scheme, and where its host resolves to). */
export interface WebhookTargetPolicy {
  /** Throws webhook_url_not_allowed with the reason. */
  check(url: string): Promise<void>;
}
