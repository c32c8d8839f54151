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
 * Everything clients were told succeeded, the only thing the final check
 * trusts the API for: each entry must be in the database afterwards.
 */
export class Ledger {
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
