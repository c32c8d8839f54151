import type { Command } from "commander";
import { AppointmentEventType, WebhookService } from "../../client/index.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";
import { wholeNumber } from "../option-parsers.js";
import { printResult, recordView, type TextView } from "../output/print-result.js";

interface AddOptions extends ClientOptions {
  type?: string[];
  secret?: string;
}

interface DeliveriesOptions extends ClientOptions {
  limit?: number;
}

const webhookTable: TextView = {
  kind: "table",
  list: "webhooks",
  noun: "webhooks",
  columns: [
    { header: "ID", path: "id" },
    { header: "URL", path: "url" },
    { header: "EVENT TYPES", path: "event_types" },
    { header: "CREATED", path: "created_at" },
  ],
};

const deliveryTable: TextView = {
  kind: "table",
  list: "deliveries",
  noun: "deliveries",
  columns: [
    { header: "ID", path: "id" },
    { header: "POSITION", path: "event.position" },
    { header: "EVENT", path: "event.event_type" },
    { header: "STATUS", path: "status" },
    { header: "TRIES", path: "attempts" },
    { header: "LAST STATUS", path: "last_status" },
    { header: "LAST ERROR", path: "last_error" },
  ],
};

/** sched webhooks add|list|rm|deliveries. */
export function registerWebhooks(program: Command): void {
  const webhooks = program.command("webhooks").description("register webhooks and look at their deliveries (staff and services)");
  webhooks.addHelpText(
    "after",
    "\nExamples:\n  sched webhooks add https://billing.example.org/hooks --type APPOINTMENT_CONFIRMED\n  sched webhooks list\n  sched webhooks deliveries <id>\n\n`sched webhook-worker` makes the deliveries.",
  );

  addClientOptions(
    webhooks
      .command("add")
      .description("register a URL for every change (or some types); prints its secret, shown this once")
      .argument("<url>", "where deliveries are POSTed")
      .option("--type <type...>", "only these event types (default: every type)")
      .option("--secret <whsec>", "a Standard Webhooks secret, whsec_…; default: one is generated")
      .addHelpText("after", "\nExample:\n  sched webhooks add https://billing.example.org/hooks --type APPOINTMENT_CONFIRMED APPOINTMENT_CANCELLED"),
  ).action(async (target: string, options: AddOptions) => {
    const eventTypes = (options.type ?? []).map((word) => {
      const value = AppointmentEventType[word.toUpperCase() as keyof typeof AppointmentEventType];
      if (typeof value !== "number") throw new Error(`--type: ${word} is not an event type`);
      return value;
    });
    const response = await connect(options).call((client) => client.webhooks.createWebhook({ url: target, eventTypes, secret: options.secret ?? "" }));
    printResult(WebhookService.method.createWebhook, response, options, recordView);
  });

  addClientOptions(webhooks.command("list").description("list the webhooks")).action(async (options: ClientOptions) => {
    const response = await connect(options).call((client) => client.webhooks.listWebhooks({}));
    printResult(WebhookService.method.listWebhooks, response, options, webhookTable);
  });

  addClientOptions(webhooks.command("rm").description("remove a webhook and its deliveries").argument("<id>", "the webhook")).action(
    async (id: string, options: ClientOptions) => {
      const response = await connect(options).call((client) => client.webhooks.deleteWebhook({ id }));
      printResult(WebhookService.method.deleteWebhook, response, options, recordView);
    },
  );

  addClientOptions(
    webhooks
      .command("deliveries")
      .description("a webhook's latest deliveries, newest first")
      .argument("<id>", "the webhook")
      .option("--limit <n>", "at most this many (default 50, at most 500)", wholeNumber(1)),
  ).action(async (id: string, options: DeliveriesOptions) => {
    const response = await connect(options).call((client) => client.webhooks.listDeliveries({ id, limit: options.limit }));
    printResult(WebhookService.method.listDeliveries, response, options, deliveryTable);
  });
}
