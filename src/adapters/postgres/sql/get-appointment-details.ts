import type { AppointmentDetails } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";
import {
  appointmentDetailsColumns,
  appointmentDetailsFrom,
  toAppointmentDetails,
  type AppointmentDetailsRow,
} from "../rows/appointment-details-row.js";

const text = `SELECT ${appointmentDetailsColumns} FROM ${appointmentDetailsFrom} WHERE a.id = $1`;

export async function getAppointmentDetails(db: Queryable, id: string): Promise<AppointmentDetails | undefined> {
  const { rows } = await db.query<AppointmentDetailsRow>({ name: "get_appointment_details", text, values: [id] });
  return rows[0] && toAppointmentDetails(rows[0]);
}
