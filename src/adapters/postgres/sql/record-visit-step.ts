import type { Actor } from "../../../core/access/caller.js";
import type { Appointment } from "../../../core/model/appointment.js";
import type { VisitStepRule } from "../../../core/model/visit-steps.js";
import type { Queryable } from "../pool.js";
import { toAppointment, type AppointmentRow } from "../rows/appointment-row.js";

// One step of the visit (check-in, completion, no-show) with its event. Only
// an appointment in the step's starting status matches, and for a no-show only
// once its slot has started; anything else comes back empty and the caller
// reads the appointment to say why. The appointment keeps its place: the
// capacity guard does not recount a visit.
const text = `
WITH stepped AS (
  UPDATE appointments a
     SET status = $2::appointment_status, updated_at = now()
    FROM appointment_slots s
   WHERE a.id = $1 AND a.status = $3::appointment_status AND s.id = a.slot_id
     AND (NOT $4::boolean OR s.start_time <= now())
  RETURNING a.id, a.slot_id, a.patient_id, a.status, a.created_at, a.updated_at, a.expires_at, a.overbooked
), stepped_event AS (
  INSERT INTO event_logs (appointment_id, slot_id, event_type, payload, actor_subject, actor_role)
  SELECT id, slot_id, $5::appointment_event_type, jsonb_build_object('from', $3::text, 'to', $2::text), $6, $7 FROM stepped
)
SELECT * FROM stepped`;

export async function recordVisitStep(db: Queryable, actor: Actor, id: string, step: VisitStepRule): Promise<Appointment | undefined> {
  const { rows } = await db.query<AppointmentRow>({
    name: "record_visit_step",
    text,
    values: [id, step.to, step.from, step.afterSlotStart, step.event, actor.subject, actor.role],
  });
  return rows[0] && toAppointment(rows[0]);
}
