import type { Actor } from "../../../core/access/caller.js";
import type { Appointment } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";
import { toAppointment, type AppointmentRow } from "../rows/appointment-row.js";

// The row is locked first so that the event records the status it really
// left, even when a confirmation races the cancellation. When $2 names a
// patient, only that patient's appointment matches; $3 and $4 are the actor
// the event records.
const text = `
WITH previous AS (
  SELECT id, status FROM appointments
   WHERE id = $1 AND status IN ('pending', 'confirmed')
     AND ($2::uuid IS NULL OR patient_id = $2::uuid)
     FOR UPDATE
), cancelled AS (
  UPDATE appointments a
     SET status = 'cancelled', expires_at = NULL, updated_at = now()
    FROM previous
   WHERE a.id = previous.id
  RETURNING a.id, a.slot_id, a.patient_id, a.status, a.created_at, a.updated_at, a.expires_at, previous.status AS previous_status
), cancelled_event AS (
  INSERT INTO event_logs (appointment_id, slot_id, event_type, payload, actor_subject, actor_role)
  SELECT id, slot_id, 'APPOINTMENT_CANCELLED', jsonb_build_object('from', previous_status, 'to', 'cancelled'), $3, $4 FROM cancelled
)
SELECT id, slot_id, patient_id, status, created_at, updated_at, expires_at FROM cancelled`;

export async function cancelAppointment(
  db: Queryable,
  actor: Actor,
  id: string,
  ownedBy: string | undefined,
): Promise<Appointment | undefined> {
  const { rows } = await db.query<AppointmentRow>({
    name: "cancel_appointment",
    text,
    values: [id, ownedBy ?? null, actor.subject, actor.role],
  });
  return rows[0] && toAppointment(rows[0]);
}
