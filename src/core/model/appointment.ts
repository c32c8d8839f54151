import type { Actor } from "../access/caller.js";
import type { Clinician, Patient } from "./directory.js";
import type { Slot } from "./slot.js";

export type AppointmentStatus = "pending" | "confirmed" | "cancelled" | "expired";

export interface Appointment {
  id: string;
  slotId: string;
  patientId: string;
  status: AppointmentStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Set only while pending. */
  expiresAt: Date | null;
}

/** What a booking asks the store for. */
export interface NewHold {
  slotId: string;
  patientId: string;
  ttlMs: number;
  /** The most unexpired holds the patient may have, this one included; 0: no cap. */
  maxActiveHoldsPerPatient: number;
}

export interface AppointmentDetails {
  id: string;
  status: AppointmentStatus;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  slot: Slot;
  patient: Patient;
  clinician: Clinician;
}

export type AppointmentEventType =
  | "APPOINTMENT_CREATED"
  | "APPOINTMENT_CONFIRMED"
  | "APPOINTMENT_CANCELLED"
  | "APPOINTMENT_EXPIRED";

export interface AppointmentEvent {
  id: string;
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
