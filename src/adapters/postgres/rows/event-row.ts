import type { Actor } from "../../../core/access/caller.js";
import type { AppointmentEvent, AppointmentEventType } from "../../../core/model/appointment.js";

export interface EventRow {
  id: string;
  xid: string;
  appointment_id: string;
  event_type: AppointmentEventType;
  payload: Record<string, unknown>;
  created_at: Date;
  actor_subject: string;
  actor_role: Actor["role"];
}

/** The columns of an event_logs row aliased e, ids as text so that no bigint loses digits. */
export const eventColumns =
  "e.id::text AS id, e.xid::text AS xid, e.appointment_id, e.event_type, e.payload, e.created_at, e.actor_subject, e.actor_role";

export function toAppointmentEvent(row: EventRow): AppointmentEvent {
  return {
    id: row.id,
    position: `${row.xid}-${row.id}`,
    appointmentId: row.appointment_id,
    eventType: row.event_type,
    payload: row.payload,
    createdAt: row.created_at,
    actor: { subject: row.actor_subject, role: row.actor_role } as Actor,
  };
}
