import type { Appointment } from "../../../core/model/appointment.js";
import type { Queryable } from "../pool.js";
import { appointmentColumns, toAppointment, type AppointmentRow } from "../rows/appointment-row.js";

const text = `SELECT ${appointmentColumns} FROM appointments WHERE id = $1`;

export async function findAppointment(db: Queryable, id: string): Promise<Appointment | undefined> {
  const { rows } = await db.query<AppointmentRow>({ name: "find_appointment", text, values: [id] });
  return rows[0] && toAppointment(rows[0]);
}
