/** What the database itself recorded about the slots a history touched. */
export type EventType =
  | "APPOINTMENT_CREATED"
  | "APPOINTMENT_CONFIRMED"
  | "APPOINTMENT_CANCELLED"
  | "APPOINTMENT_EXPIRED"
  | "APPOINTMENT_RESCHEDULED"
  | "APPOINTMENT_CHECKED_IN"
  | "APPOINTMENT_COMPLETED"
  | "APPOINTMENT_NO_SHOW";

export interface RecordedEvent {
  type: EventType;
  /** The event's created_at in milliseconds since the epoch, with PostgreSQL's microseconds as the fraction. */
  at: number;
  /** A move's slots. */
  fromSlotId?: string;
  toSlotId?: string;
  /** A move of a hold: when the hold lapses from then on (ms since the epoch). */
  expiresAt?: number;
}

export interface RecordedAppointment {
  id: string;
  slotId: string;
  patientId: string;
  status: "pending" | "confirmed" | "cancelled" | "expired" | "arrived" | "fulfilled" | "noshow";
  /** When the hold lapses (or lapsed), in ms since the epoch: the APPOINTMENT_CREATED event's expires_at. */
  holdExpiresAt: number | undefined;
  /** In the order they were written (event id). */
  events: RecordedEvent[];
}

export interface RecordedSlot {
  id: string;
  capacity: number;
  /** Bookings the slot may hold beyond its capacity because staff recorded an overbooking (events placing an appointment there marked overbooked). */
  overbookings?: number;
}

export interface DatabaseRecord {
  slots: RecordedSlot[];
  appointments: RecordedAppointment[];
  /**
   * Appointments written before the history began (ms since the epoch):
   * they occupy slots but no operation of the history asked for them.
   */
  historyBegan?: number;
}
