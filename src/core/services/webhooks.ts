import type { Caller } from "../access/caller.js";
import { requireStaffOrService } from "../access/policy.js";
import { SchedError } from "../errors.js";
import { requireUuid } from "../ids.js";
import type { AppointmentEventType } from "../model/appointment.js";
import type { Delivery, DeliveryFigures, Webhook } from "../model/webhook.js";
import type { WebhookStore, WebhookTargetPolicy } from "../ports/webhook-store.js";

export interface WebhooksOptions {
  store: WebhookStore;
  targets: WebhookTargetPolicy;
}

// Standard Webhooks secrets: whsec_ and the base64 of 24 to 64 random bytes.
const secretPattern = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** Registering, listing and removing webhooks, and reading their deliveries: staff and services only. */
export class Webhooks {
  constructor(private readonly options: WebhooksOptions) {}

  /** The new webhook and its secret, given or generated: the only time the secret is shown. */
  async create(caller: Caller, request: { url?: string; eventTypes?: AppointmentEventType[]; secret?: string }): Promise<{ webhook: Webhook; secret: string }> {
    requireStaffOrService(caller, "manage webhooks");
    const url = (request.url ?? "").trim();
    if (url === "") throw new SchedError("webhook_url_not_allowed", "url is required");
    await this.options.targets.check(url);
    const secret = request.secret === undefined || request.secret === "" ? generateSecret() : checkedSecret(request.secret);
    const webhook = await this.options.store.create({ url, eventTypes: [...new Set(request.eventTypes ?? [])], secret });
    return { webhook, secret };
  }

  async list(caller: Caller): Promise<Webhook[]> {
    requireStaffOrService(caller, "manage webhooks");
    return this.options.store.list();
  }

  async delete(caller: Caller, id: string | undefined): Promise<void> {
    requireStaffOrService(caller, "manage webhooks");
    if (!(await this.options.store.delete(requireUuid(id, "invalid_webhook_id", "webhook id")))) throw notFound();
  }

  /** Every webhook's deliveries by state, for the operator's metrics: no caller's, so no access check. */
  deliveryFigures(): Promise<DeliveryFigures> {
    return this.options.store.figures();
  }

  async deliveries(caller: Caller, id: string | undefined, limit: number | undefined): Promise<Delivery[]> {
    requireStaffOrService(caller, "manage webhooks");
    const webhookId = requireUuid(id, "invalid_webhook_id", "webhook id");
    if (limit !== undefined && (limit < 1 || limit > 500)) throw new SchedError("invalid_argument", "limit must be from 1 to 500");
    const deliveries = await this.options.store.deliveries(webhookId, limit ?? 50);
    if (deliveries === undefined) throw notFound();
    return deliveries;
  }
}

function checkedSecret(secret: string): string {
  const match = secretPattern.exec(secret);
  const bytes = match === null ? 0 : Math.floor((match[1]!.replace(/=+$/, "").length * 3) / 4);
  if (bytes < 24 || bytes > 64) {
    throw new SchedError("invalid_webhook_secret", "a secret is whsec_ followed by the base64 of 24 to 64 random bytes; leave it out to have one generated");
  }
  return secret;
}

function generateSecret(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

function notFound(): SchedError {
  return new SchedError("webhook_not_found", "webhook not found");
}
