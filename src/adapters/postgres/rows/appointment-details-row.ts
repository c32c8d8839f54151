import type { AppointmentDetails, AppointmentStatus } from "../../../core/model/appointment.js";
import type { SlotStatus } from "../../../core/model/slot.js";
import { availableCapacitySql, overbookedCountSql } from "./slot-row.js";

/** One appointment joined with its slot, patient and clinician, flattened by prefix. */
export interface AppointmentDetailsRow {
  id: string;
  status: AppointmentStatus;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  overbooked: boolean;
  slot_id: string;
  slot_start_time: Date;
  slot_end_time: Date;
  slot_status: SlotStatus;
  slot_capacity: number;
  slot_available: number;
  slot_overbooked: number;
  patient_id: string;
  patient_name: string;
  patient_email: string | null;
  clinician_id: string;
  clinician_name: string;
  clinician_specialty: string | null;
}

/** The columns and joins shared by every query that hydrates appointments (`a`). */
export const appointmentDetailsColumns = `
         a.id, a.status, a.created_at, a.updated_at, a.expires_at, a.overbooked,
         s.id AS slot_id, s.start_time AS slot_start_time, s.end_time AS slot_end_time,
         s.status AS slot_status, s.capacity AS slot_capacity, ${availableCapacitySql} AS slot_available,
         ${overbookedCountSql} AS slot_overbooked,
         p.id AS patient_id, p.name AS patient_name, p.email AS patient_email,
         c.id AS clinician_id, c.name AS clinician_name, c.specialty AS clinician_specialty`;

export const appointmentDetailsFrom = `
         appointments a
    JOIN appointment_slots s ON s.id = a.slot_id
    JOIN patients p ON p.id = a.patient_id
    JOIN clinicians c ON c.id = s.clinician_id`;

export function toAppointmentDetails(row: AppointmentDetailsRow): AppointmentDetails {
  return {
    id: row.id,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    overbooked: row.overbooked,
    slot: {
      id: row.slot_id,
      clinicianId: row.clinician_id,
      startTime: row.slot_start_time,
      endTime: row.slot_end_time,
      status: row.slot_status,
      capacity: row.slot_capacity,
      available: Math.max(0, row.slot_available),
      overbooked: row.slot_overbooked,
    },
    patient: { id: row.patient_id, name: row.patient_name, email: row.patient_email },
    clinician: { id: row.clinician_id, name: row.clinician_name, specialty: row.clinician_specialty },
  };
}
