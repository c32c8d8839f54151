import type { AppointmentEvent, AppointmentEventType } from "../model/appointment.js";
import type { EventPosition } from "./event-position.js";

/** An event as the feed carries it: with its parsed position and what filters match on. */
export interface FeedEvent extends AppointmentEvent {
  at: EventPosition;
  slotId: string;
  patientId: string;
  clinicianId: string;
}

/**
 * What a watcher asks to see; every field left out matches everything. The
 * ids match the appointment as it is now; a slot also matches a move away
 * from it (a move's payload names the slot it left).
 */
export interface EventFilter {
  slotId?: string | undefined;
  clinicianId?: string | undefined;
  patientId?: string | undefined;
  /** Empty matches every type. */
  eventTypes: readonly AppointmentEventType[];
}

export function matchesFilter(filter: EventFilter, event: FeedEvent): boolean {
  return (
    (filter.slotId === undefined || filter.slotId === event.slotId || event.payload["from_slot_id"] === filter.slotId) &&
    (filter.clinicianId === undefined || filter.clinicianId === event.clinicianId) &&
    (filter.patientId === undefined || filter.patientId === event.patientId) &&
    (filter.eventTypes.length === 0 || filter.eventTypes.includes(event.eventType))
  );
}
