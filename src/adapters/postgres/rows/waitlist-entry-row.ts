import type { WaitlistEntry, WaitlistEntryStatus } from "../../../core/model/waitlist.js";

export interface WaitlistEntryRow {
  id: string;
  patient_id: string;
  slot_id: string | null;
  clinician_id: string | null;
  window_from: Date | null;
  window_to: Date | null;
  priority: number;
  status: WaitlistEntryStatus;
  appointment_id: string | null;
  offered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const waitlistEntryColumns =
  "id, patient_id, slot_id, clinician_id, window_from, window_to, priority, status, appointment_id, offered_at, created_at, updated_at";

export function toWaitlistEntry(row: WaitlistEntryRow): WaitlistEntry {
  return {
    id: row.id,
    patientId: row.patient_id,
    slotId: row.slot_id,
    clinicianId: row.clinician_id,
    from: row.window_from,
    to: row.window_to,
    priority: row.priority,
    status: row.status,
    appointmentId: row.appointment_id,
    offeredAt: row.offered_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
