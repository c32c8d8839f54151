import { HistoryRecorder } from "../../../src/core/history/history-operation.js";

/** A booking a client was told succeeded (201 with an id). */
export interface AcknowledgedBooking {
  id: string;
  slotId: string;
  patientId: string;
  /** The server that answered. */
  server: string;
  /** Date.now() when the answer arrived. */
  at: number;
}

/**
 * What clients were told. `history` holds every operation sent, with its
 * answer, for the history checker (src/core/history/check-history.ts);
 * the maps and sets are the acknowledged ones, for the scenarios' own counts.
 */
export class Ledger {
  readonly history = new HistoryRecorder();
  readonly bookings = new Map<string, AcknowledgedBooking>();
  /** Appointment ids whose confirm was answered 200 "confirmed". */
  readonly confirms = new Set<string>();
  /** Appointment ids whose cancel was answered 200 "cancelled". */
  readonly cancels = new Set<string>();

  /** Acknowledged bookings answered between `from` and `to` (Date.now() values). */
  bookingsBetween(from: number, to: number): number {
    let count = 0;
    for (const booking of this.bookings.values()) if (booking.at >= from && booking.at <= to) count += 1;
    return count;
  }
}
