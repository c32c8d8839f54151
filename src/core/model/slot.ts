export type SlotStatus = "open" | "blocked" | "deleted";

export interface Slot {
  id: string;
  clinicianId: string;
  startTime: Date;
  endTime: Date;
  status: SlotStatus;
  capacity: number;
  /** Capacity not taken by its occupants (unexpired holds, bookings, visits) when the slot was read. */
  available: number;
  /** Occupants staff placed beyond the capacity on purpose. */
  overbooked: number;
}

export interface NewSlot {
  clinicianId: string;
  startTime: Date;
  endTime: Date;
  capacity: number;
}

export interface SlotSearch {
  clinicianId?: string;
  specialty?: string;
  /** Slots that start at or after this time. */
  from?: Date;
  /** Slots that start before this time. */
  to?: Date;
  /** Only open slots with capacity left. */
  availableOnly: boolean;
  limit: number;
  offset: number;
}

export interface SlotPage {
  slots: Slot[];
  total: number;
}
