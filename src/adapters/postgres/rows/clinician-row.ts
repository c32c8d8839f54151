import type { Clinician } from "../../../core/model/directory.js";

export interface ClinicianRow {
  id: string;
  name: string;
  specialty: string | null;
}

export function toClinician(row: ClinicianRow): Clinician {
  return { id: row.id, name: row.name, specialty: row.specialty };
}
