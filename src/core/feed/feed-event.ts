import type { AppointmentEvent, AppointmentEventType } from "../model/appointment.js";
import type { EventPosition } from "./event-position.js";

/**
 * An event as the feed carries it: with its parsed position and what filters
 * match on, as it was when the event happened (the slot the appointment was
 * in then, and for a move the slot it left).
 */
export interface FeedEvent extends AppointmentEvent {
  at: EventPosition;
  slotId: string;
  patientId: string;
  /** Absent when the slot has been deleted since. */
  clinicianId?: string | undefined;
  fromSlotId?: string | undefined;
  fromClinicianId?: string | undefined;
}

/**
 * What a watcher asks to see; every field left out matches everything. The
 * ids match the event as it happened; a slot or a clinician also matches a
 * move away from it.
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
    (filter.slotId === undefined || filter.slotId === event.slotId || filter.slotId === event.fromSlotId) &&
    (filter.clinicianId === undefined || filter.clinicianId === event.clinicianId || filter.clinicianId === event.fromClinicianId) &&
    (filter.patientId === undefined || filter.patientId === event.patientId) &&
    (filter.eventTypes.length === 0 || filter.eventTypes.includes(event.eventType))
  );
}
