import type { Actor } from "../../../core/access/caller.js";
import type { AppointmentEvent, AppointmentEventType } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";

interface EventRow {
  id: string;
  appointment_id: string;
  event_type: AppointmentEventType;
  payload: Record<string, unknown>;
  created_at: Date;
  actor_subject: string;
  actor_role: Actor["role"];
}

// When $2 names a patient, only that patient's appointment has events to show.
// The order is by the qualified e.id: a bare `id` would name the text output
// column, and "10" sorts before "9".
const text = `
SELECT e.id::text AS id, e.appointment_id, e.event_type, e.payload, e.created_at, e.actor_subject, e.actor_role
  FROM event_logs e
 WHERE e.appointment_id = $1
   AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM appointments a WHERE a.id = $1 AND a.patient_id = $2::uuid))
 ORDER BY e.id`;

export async function listAppointmentEvents(
  db: Queryable,
  appointmentId: string,
  ownedBy: string | undefined,
): Promise<AppointmentEvent[]> {
  const { rows } = await db.query<EventRow>({
    name: "list_appointment_events",
    text,
    values: [appointmentId, ownedBy ?? null],
  });
  return rows.map((row) => ({
    id: row.id,
    appointmentId: row.appointment_id,
    eventType: row.event_type,
    payload: row.payload,
    createdAt: row.created_at,
    actor: { subject: row.actor_subject, role: row.actor_role } as Actor,
  }));
}
