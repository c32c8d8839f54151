import type { Actor } from "../../../core/access/caller.js";
import type { Appointment } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";
import { appointmentColumns, toAppointment, type AppointmentRow } from "../rows/appointment-row.js";

// Only a hold that has not lapsed matches (and, when $2 names a patient, only
// that patient's); anything else comes back empty and the caller reads the
// appointment to say why. $3 and $4 are the actor the event records.
const text = `
WITH confirmed AS (
  UPDATE appointments
     SET status = 'confirmed', expires_at = NULL, updated_at = now()
   WHERE id = $1 AND status = 'pending' AND expires_at > now()
     AND ($2::uuid IS NULL OR patient_id = $2::uuid)
  RETURNING ${appointmentColumns}
), confirmed_event AS (
  INSERT INTO event_logs (appointment_id, slot_id, event_type, payload, actor_subject, actor_role)
  SELECT id, slot_id, 'APPOINTMENT_CONFIRMED', '{"from": "pending", "to": "confirmed"}'::jsonb, $3, $4 FROM confirmed
)
SELECT * FROM confirmed`;

export async function confirmAppointment(
  db: Queryable,
  actor: Actor,
  id: string,
  ownedBy: string | undefined,
): Promise<Appointment | undefined> {
  const { rows } = await db.query<AppointmentRow>({
    name: "confirm_appointment",
    text,
    values: [id, ownedBy ?? null, actor.subject, actor.role],
  });
  return rows[0] && toAppointment(rows[0]);
}
