import type { AppointmentPage } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";
import {
  appointmentDetailsColumns,
  appointmentDetailsFrom,
  toAppointmentDetails,
  type AppointmentDetailsRow,
} from "../rows/appointment-details-row.js";

type Filter = { patientId: string } | { slotId: string };

// A patient reads their calendar newest first; a slot's list reads in the
// order its holds were made, which is also the order capacity was taken.
const queries = {
  patient: {
    name: "list_patient_appointments",
    text: `SELECT ${appointmentDetailsColumns}, count(*) OVER ()::int AS total
             FROM ${appointmentDetailsFrom}
            WHERE a.patient_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2 OFFSET $3`,
    count: `SELECT count(*)::int AS total FROM appointments WHERE patient_id = $1`,
  },
  slot: {
    name: "list_slot_appointments",
    text: `SELECT ${appointmentDetailsColumns}, count(*) OVER ()::int AS total
             FROM ${appointmentDetailsFrom}
            WHERE a.slot_id = $1 ORDER BY a.created_at, a.id LIMIT $2 OFFSET $3`,
    count: `SELECT count(*)::int AS total FROM appointments WHERE slot_id = $1`,
  },
};

export async function listAppointments(
  db: Queryable,
  filter: Filter,
  page: { limit: number; offset: number },
): Promise<AppointmentPage> {
  const query = "patientId" in filter ? queries.patient : queries.slot;
  const id = "patientId" in filter ? filter.patientId : filter.slotId;
  const { rows } = await db.query<AppointmentDetailsRow & { total: number }>({
    name: query.name,
    text: query.text,
    values: [id, page.limit, page.offset],
  });
  const total = rows[0]?.total;
  return {
    appointments: rows.map(toAppointmentDetails),
    total: total ?? (await countPastTheEnd(db, query, id, page.offset)),
  };
}

// An empty page says nothing about the total; only then is it counted apart.
async function countPastTheEnd(db: Queryable, query: { name: string; count: string }, id: string, offset: number) {
  if (offset === 0) return 0;
  const { rows } = await db.query<{ total: number }>({ name: `${query.name}_count`, text: query.count, values: [id] });
  return rows[0]?.total ?? 0;
}
