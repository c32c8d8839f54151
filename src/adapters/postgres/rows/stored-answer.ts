import type { AppointmentStatus } from "../../../core/model/appointment.js";
import type { StoredAnswer } from "../../../core/model/idempotency.js";

interface StoredAppointmentJson {
  id: string;
  slotId: string;
  patientId: string;
  status: AppointmentStatus;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  /** Absent from answers stored before overbooking existed. */
  overbooked?: boolean;
}

/** Reads back an answer stored as JSON, turning its times into Dates again. */
export function parseStoredAnswer(json: unknown): StoredAnswer {
  const stored = json as { appointment: StoredAppointmentJson } | Extract<StoredAnswer, { error: unknown }>;
  if ("error" in stored) return stored;
  const { appointment } = stored;
  return {
    appointment: {
      ...appointment,
      createdAt: new Date(appointment.createdAt),
      updatedAt: new Date(appointment.updatedAt),
      expiresAt: appointment.expiresAt === null ? null : new Date(appointment.expiresAt),
      overbooked: appointment.overbooked ?? false,
    },
  };
}
