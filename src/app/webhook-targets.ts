import { WebhookTargets } from "../adapters/http/target-addresses.js";
import type { Config } from "../config/config.js";

/** Where webhooks may go: anywhere in dev or with WEBHOOK_ALLOW_PRIVATE_TARGETS=true, public https:// hosts otherwise. */
export function webhookTargets(config: Config): WebhookTargets {
  return new WebhookTargets(config.appEnv === "dev" || config.webhooks.allowPrivateTargets);
}
