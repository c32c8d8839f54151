import type { Appointment } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";
import { appointmentColumns, toAppointment, type AppointmentRow } from "../rows/appointment-row.js";

// Only a hold that has not lapsed matches; anything else comes back empty and
// the caller reads the appointment to say why.
const text = `
WITH confirmed AS (
  UPDATE appointments
     SET status = 'confirmed', expires_at = NULL, updated_at = now()
   WHERE id = $1 AND status = 'pending' AND expires_at > now()
  RETURNING ${appointmentColumns}
), confirmed_event AS (
  INSERT INTO event_logs (appointment_id, event_type, payload)
  SELECT id, 'APPOINTMENT_CONFIRMED', '{"from": "pending", "to": "confirmed"}'::jsonb FROM confirmed
)
SELECT * FROM confirmed`;

export async function confirmAppointment(db: Queryable, id: string): Promise<Appointment | undefined> {
  const { rows } = await db.query<AppointmentRow>({ name: "confirm_appointment", text, values: [id] });
  return rows[0] && toAppointment(rows[0]);
}
