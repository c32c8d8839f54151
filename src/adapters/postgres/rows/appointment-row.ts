import type { Appointment, AppointmentStatus } from "../../../core/model/appointment.js";

export interface AppointmentRow {
  id: string;
  slot_id: string;
  patient_id: string;
  status: AppointmentStatus;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  overbooked: boolean;
}

export const appointmentColumns = "id, slot_id, patient_id, status, created_at, updated_at, expires_at, overbooked";

export function toAppointment(row: AppointmentRow): Appointment {
  return {
    id: row.id,
    slotId: row.slot_id,
    patientId: row.patient_id,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    overbooked: row.overbooked,
  };
}
