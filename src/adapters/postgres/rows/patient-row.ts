import type { Patient } from "../../../core/model/directory.js";

export interface PatientRow {
  id: string;
  name: string;
  email: string | null;
}

export function toPatient(row: PatientRow): Patient {
  return { id: row.id, name: row.name, email: row.email };
}
