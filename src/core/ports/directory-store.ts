import type { Clinician, ClinicianPage, NewClinician, NewPatient, Patient, PatientPage } from "../model/directory.js";

/** Patients and clinicians. Methods throw SchedError for domain failures. */
export interface DirectoryStore {
  createPatient(patient: NewPatient): Promise<Patient>;
  /** patient_not_found when there is none. */
  getPatient(id: string): Promise<Patient>;
  listPatients(page: { limit: number; offset: number }): Promise<PatientPage>;
  createClinician(clinician: NewClinician): Promise<Clinician>;
  /** clinician_not_found when there is none. */
  getClinician(id: string): Promise<Clinician>;
  listClinicians(query: { specialty?: string; limit: number; offset: number }): Promise<ClinicianPage>;
}
