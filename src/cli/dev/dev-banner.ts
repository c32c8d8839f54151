import type { DemoBooking } from "../../app/dev/demo-data.js";

export interface DevBannerFacts {
  /** host:port as a person types it, e.g. localhost:8080. */
  address: string;
  /** Whether the database is PGlite, in the folder `dataLocation`. */
  embedded: boolean;
  dataLocation: string;
  lockDescription: string;
  /** The curl example books the first, the CLI example the second. */
  bookings: DemoBooking[];
  startupMs: number;
}

/** What `sched dev` prints once it serves: where, what it is, and a first booking to paste. */
export function devBanner(facts: DevBannerFacts): string {
  const url = `http://${facts.address}`;
  const database = facts.embedded ? "an embedded PostgreSQL (PGlite)" : "the PostgreSQL of POSTGRES_DSN";
  const lines = [
    "",
    `sched dev is serving on ${url} (REST, Connect, gRPC-Web and gRPC), ready in ${(facts.startupMs / 1000).toFixed(1)} s`,
    "",
    `  This is single-instance mode: one process with ${database}, ${facts.lockDescription},`,
    "  the expiry worker and the webhook worker. Run one at a time, and not in production.",
    "  Authentication is off: no token is asked for and every caller may do everything.",
    facts.embedded
      ? `  Data lives in ${facts.dataLocation} (start afresh with --reset). The embedded database takes no\n` +
        "  other client: for sched seed or sched simulate, run sched dev with POSTGRES_DSN and give them the same."
      : `  Data lives in ${facts.dataLocation}.`,
    "",
    ...tryIt(facts.address, facts.bookings),
    "",
    "  Ctrl-C stops it.",
    "",
  ];
  return `${lines.join("\n")}\n`;
}

function tryIt(address: string, [curl, cli]: DemoBooking[]): string[] {
  if (curl === undefined) {
    return ["  No open slot or no patient to book yet: create some with sched seed, or POST /slots and /patients."];
  }
  const body = JSON.stringify({ slot_id: curl.slotId, patient_id: curl.patientId });
  return [
    "  Book a slot:",
    `    curl -XPOST ${address}/appointments -d '${body}'`,
    ...(cli === undefined ? [] : [`    sched book --slot ${cli.slotId} --patient ${cli.patientId} --url http://${address}`]),
    "  List patients:",
    `    sched patients list --url http://${address}`,
    // npx would first copy the whole package into npm's cache, for seconds on every call.
    "  (sched is on the PATH after npm link; in this folder, node bin/sched.js does the same.)",
  ];
}
