import type { Actor } from "../access/caller.js";
import type { Clinician, Patient } from "./directory.js";
import type { Slot } from "./slot.js";

/**
 * Where an appointment is in its life (docs/api.md, The resources). Every
 * status but cancelled and expired occupies the slot: a hold until it
 * lapses, the visit's outcomes for good.
 */
export type AppointmentStatus = "pending" | "confirmed" | "cancelled" | "expired" | "arrived" | "fulfilled" | "noshow";

export interface Appointment {
  id: string;
  slotId: string;
  patientId: string;
  status: AppointmentStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Set only while pending. */
  expiresAt: Date | null;
  /** Staff placed it beyond the slot's capacity on purpose (an overbooking). */
  overbooked: boolean;
}

/** What a booking asks the store for. */
export interface NewHold {
  slotId: string;
  patientId: string;
  ttlMs: number;
  /** The most unexpired holds the patient may have, this one included; 0: no cap. */
  maxActiveHoldsPerPatient: number;
  overbook?: Overbooking;
}

/** A staff member's request to place an appointment beyond the slot's capacity, if the slot is full. */
export interface Overbooking {
  /** Why, for the audit log. */
  reason: string;
  /** The most overbooked places one slot may have (OVERBOOK_LIMIT). */
  limit: number;
}

/** What moving an appointment asks the store for. */
export interface Move {
  appointmentId: string;
  slotId: string;
  /** A pending hold's fresh lifetime from the move on (APPOINTMENT_TTL). */
  ttlMs: number;
  overbook?: Overbooking;
}

/** What a move did: the appointment after it, and whether it changed slot (false: it was in that slot already). */
export interface MoveOutcome {
  appointment: Appointment;
  moved: boolean;
}

/** The steps that record what happened at the visit. */
export type VisitStep = "check_in" | "complete" | "no_show";

export interface AppointmentDetails {
  id: string;
  status: AppointmentStatus;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  overbooked: boolean;
  slot: Slot;
  patient: Patient;
  clinician: Clinician;
}

export type AppointmentEventType =
  | "APPOINTMENT_CREATED"
  | "APPOINTMENT_CONFIRMED"
  | "APPOINTMENT_CANCELLED"
  | "APPOINTMENT_EXPIRED"
  | "APPOINTMENT_CHECKED_IN"
  | "APPOINTMENT_COMPLETED"
  | "APPOINTMENT_NO_SHOW"
  | "APPOINTMENT_RESCHEDULED"
  | "WAITLIST_OFFERED";

export interface AppointmentEvent {
  id: string;
  /** Where the event stands in the feed, "<transaction>-<id>" (core/feed/event-position.ts). */
  position: string;
  appointmentId: string;
  eventType: AppointmentEventType;
  payload: Record<string, unknown>;
  createdAt: Date;
  /** Who made the change: the caller, or the system for expiries. */
  actor: Actor;
}

export interface AppointmentPage {
  appointments: AppointmentDetails[];
  total: number;
}
