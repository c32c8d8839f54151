import { Gauge, type Registry } from "prom-client";
import type { WaitlistCounts } from "../../core/model/waitlist.js";

// Offers are made by the database in whichever process frees a place (a
// server, an expiry worker, a script), so no process can count them as it
// goes: every gauge is read from the entries' table, which every process
// shares, and says the same on every server.
const gauges: Array<[string, string, (counts: WaitlistCounts) => number]> = [
  ["sched_waitlist_waiting_entries", "Waiting-list entries waiting for a place", (c) => c.waiting],
  ["sched_waitlist_offers_made", "Waiting-list offers ever made: pending, accepted or lapsed", (c) => c.offered + c.accepted + c.lapsed],
  ["sched_waitlist_offers_accepted", "Waiting-list offers the patient confirmed", (c) => c.accepted],
  ["sched_waitlist_offers_lapsed", "Waiting-list offers that expired or were cancelled", (c) => c.lapsed],
];

/** The waiting list's gauges, sharing one read of the counts per scrape; a scrape while PostgreSQL is away keeps the last values. */
export function registerWaitlistGauges(registry: Registry, readCounts: () => Promise<WaitlistCounts>): void {
  // A scrape collects every gauge at once: they share the read in flight.
  let inFlight: Promise<WaitlistCounts | undefined> | undefined;
  const counts = (): Promise<WaitlistCounts | undefined> => {
    inFlight ??= readCounts()
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const current = await counts();
        if (current !== undefined) this.set(read(current));
      },
    });
  }
}
