import http from "node:http";
import https from "node:https";
import { Webhook } from "standardwebhooks";
import type { AppointmentEvent } from "../../core/model/appointment.js";
import type { ClaimedDelivery, DeliveryOutcome } from "../../core/model/webhook.js";
import type { WebhookSender } from "../../core/ports/webhook-store.js";
import type { WebhookTargets } from "./target-addresses.js";

export interface HttpWebhookSenderOptions {
  targets: WebhookTargets;
  /** One try's whole time: connecting, sending, the answer's status. */
  timeoutMs: number;
  /** The event as the API's JSON (what GET /appointments/{id}/events renders). */
  renderEvent: (event: AppointmentEvent) => unknown;
}

/**
 * POSTs a delivery signed after the Standard Webhooks conventions (the
 * standardwebhooks package signs): `webhook-id` (the same for every try of one
 * event, so that receivers drop repeats), `webhook-timestamp` and
 * `webhook-signature` (HMAC-SHA256 over id, timestamp and body). The body is
 * `{"type": "appointment.confirmed", "timestamp", "data": AppointmentEvent}`.
 * Any 2xx acknowledges it; redirects are not followed.
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly options: HttpWebhookSenderOptions) {}

  async send(delivery: ClaimedDelivery): Promise<DeliveryOutcome> {
    const now = new Date();
    const body = JSON.stringify({
      type: delivery.event.eventType.toLowerCase().replace(/^(appointment|waitlist)_/, "$1."),
      timestamp: now.toISOString(),
      data: this.options.renderEvent(delivery.event),
    });
    const id = `evt_${delivery.event.id}`;
    let signature: string;
    try {
      signature = new Webhook(delivery.secret).sign(id, now, body);
    } catch (error) {
      return { ok: false, status: null, error: `cannot sign: ${(error as Error).message}` };
    }
    const headers = {
      "content-type": "application/json",
      "user-agent": "sched-webhooks",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": signature,
    };
    return this.post(delivery.url, headers, body);
  }

  private post(url: string, headers: Record<string, string>, body: string): Promise<DeliveryOutcome> {
    return new Promise((resolve) => {
      const target = new URL(url);
      const client = target.protocol === "https:" ? https : http;
      const lookup = this.options.targets.guardedLookup();
      const request = client.request(target, { method: "POST", headers, ...(lookup ? { lookup } : {}), signal: AbortSignal.timeout(this.options.timeoutMs) }, (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status, error: `answered ${status}` });
      });
      request.on("error", (error) => resolve({ ok: false, status: null, error: error.message }));
      request.end(body);
    });
  }
}
