import type { Command } from "commander";
import { AppointmentEventType, EventService, type WatchEventsResponse } from "../../client/index.js";
import { restJson } from "../../app/rest-json.js";
import { addClientOptions, connect, type ClientOptions } from "../client-options.js";

interface WatchOptions extends ClientOptions {
  after?: string;
  slot?: string;
  clinician?: string;
  patient?: string;
  type?: string[];
}

const typeWords = Object.keys(AppointmentEventType).filter((name) => Number.isNaN(Number(name)) && name !== "UNSPECIFIED");

/** sched watch: tails every change as it is committed. */
export function registerWatch(program: Command): void {
  addClientOptions(
    program
      .command("watch")
      .description("print every change as it is committed, until Ctrl-C (WatchEvents)")
      .option("--after <position>", "start after this position (0: the whole log); default: from now")
      .option("--slot <id>", "only this slot's appointments")
      .option("--clinician <id>", "only this clinician's appointments")
      .option("--patient <id>", "only this patient's appointments")
      .option("--type <type...>", `only these event types: ${typeWords.join(", ")}`)
      .addHelpText(
        "after",
        "\nExamples:\n  sched watch\n  sched watch --slot 5b1e2c3d-… --json\n  sched watch --after 0 --type APPOINTMENT_CANCELLED\n\n" +
          "--json prints one event per line, as GET /appointments/{id}/events renders it; its position resumes with --after.",
      ),
  ).action(async (options: WatchOptions) => {
    const eventTypes = (options.type ?? []).map((word) => {
      const value = AppointmentEventType[word.toUpperCase().replace(/^APPOINTMENT_EVENT_TYPE_/, "") as keyof typeof AppointmentEventType];
      if (typeof value !== "number") throw new Error(`--type: ${word} is not one of ${typeWords.join(", ")}`);
      return value;
    });
    const stop = new AbortController();
    process.once("SIGINT", () => stop.abort());
    process.once("SIGTERM", () => stop.abort());
    await connect(options, { streaming: true }).call(async (client) => {
      const stream = client.events.watchEvents(
        { after: options.after ?? "", slotId: options.slot ?? "", clinicianId: options.clinician ?? "", patientId: options.patient ?? "", eventTypes },
        { signal: stop.signal },
      );
      try {
        for await (const message of stream) process.stdout.write(`${line(message, options.json === true)}\n`);
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      }
    });
  });
}

function line(message: WatchEventsResponse, json: boolean): string {
  const event = restJson(EventService.method.watchEvents, message) as Record<string, unknown>;
  if (json) return JSON.stringify(event);
  const actor = event["actor"] as { subject: string; role: string } | null;
  return [event["position"], event["created_at"], event["event_type"], event["appointment_id"], actor === null ? "" : `${actor.role}:${actor.subject}`].join("  ");
}
