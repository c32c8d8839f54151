import type { AppointmentEvent, AppointmentEventType } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";

interface EventRow {
  id: string;
  appointment_id: string;
  event_type: AppointmentEventType;
  payload: Record<string, unknown>;
  created_at: Date;
}

const text = `
SELECT id::text, appointment_id, event_type, payload, created_at
  FROM event_logs
 WHERE appointment_id = $1
 ORDER BY id`;

export async function listAppointmentEvents(db: Queryable, appointmentId: string): Promise<AppointmentEvent[]> {
  const { rows } = await db.query<EventRow>({ name: "list_appointment_events", text, values: [appointmentId] });
  return rows.map((row) => ({
    id: row.id,
    appointmentId: row.appointment_id,
    eventType: row.event_type,
    payload: row.payload,
    createdAt: row.created_at,
  }));
}
