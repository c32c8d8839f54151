import type { AppointmentEventType, AppointmentStatus, VisitStep } from "./appointment.js";

export interface VisitStepRule {
  from: AppointmentStatus;
  to: AppointmentStatus;
  event: AppointmentEventType;
  /** Only once the slot has started: nobody can have missed a visit that has not begun. */
  afterSlotStart: boolean;
  /** The step in words, for refusals. */
  verb: string;
}

/**
 * What happened at the visit: a confirmed appointment is checked in when the
 * patient arrives and completed after the visit, or marked a no-show once its
 * slot has started. The schema's transition guard allows exactly these moves
 * (migrations/0008_visit-outcomes-moves-and-overbooking.sql).
 */
export const visitSteps: Record<VisitStep, VisitStepRule> = {
  check_in: { from: "confirmed", to: "arrived", event: "APPOINTMENT_CHECKED_IN", afterSlotStart: false, verb: "checked in" },
  complete: { from: "arrived", to: "fulfilled", event: "APPOINTMENT_COMPLETED", afterSlotStart: false, verb: "completed" },
  no_show: { from: "confirmed", to: "noshow", event: "APPOINTMENT_NO_SHOW", afterSlotStart: true, verb: "marked a no-show" },
};
