/** What the database itself recorded about the slots a history touched. */
export type EventType = "APPOINTMENT_CREATED" | "APPOINTMENT_CONFIRMED" | "APPOINTMENT_CANCELLED" | "APPOINTMENT_EXPIRED";

export interface RecordedEvent {
  type: EventType;
  /** The event's created_at in milliseconds since the epoch, with PostgreSQL's microseconds as the fraction. */
  at: number;
}

export interface RecordedAppointment {
  id: string;
  slotId: string;
  patientId: string;
  status: "pending" | "confirmed" | "cancelled" | "expired";
  /** When the hold lapses (or lapsed), in ms since the epoch: the APPOINTMENT_CREATED event's expires_at. */
  holdExpiresAt: number | undefined;
  /** In the order they were written (event id). */
  events: RecordedEvent[];
}

export interface RecordedSlot {
  id: string;
  capacity: number;
  /** Bookings the slot may hold beyond its capacity because staff recorded an overbooking (0 today). */
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
