import type { AppointmentEvent } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";
import { eventColumns, toAppointmentEvent, type EventRow } from "../rows/event-row.js";

// When $2 names a patient, only that patient's appointment has events to show.
// One appointment's events are in feed order when ordered by id: each change
// is a transaction that starts after the previous one committed.
const text = `
SELECT ${eventColumns}
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
  return rows.map(toAppointmentEvent);
}
