import type { Clinician, ClinicianPage, NewClinician, NewPatient, Patient, PatientPage } from "../../core/model/directory.js";
import type { DirectoryStore } from "../../core/ports/directory-store.js";
import type { Queryable } from "./pool.js";
import { createClinician } from "./sql/create-clinician.js";
import { createPatient } from "./sql/create-patient.js";
import { getClinician } from "./sql/get-clinician.js";
import { getPatient } from "./sql/get-patient.js";
import { listClinicians } from "./sql/list-clinicians.js";
import { listPatients } from "./sql/list-patients.js";

export class PostgresDirectoryStore implements DirectoryStore {
  constructor(private readonly db: Queryable) {}

  createPatient(patient: NewPatient): Promise<Patient> {
    return createPatient(this.db, patient);
  }

  getPatient(id: string): Promise<Patient> {
    return getPatient(this.db, id);
  }

  listPatients(page: { limit: number; offset: number }): Promise<PatientPage> {
    return listPatients(this.db, page);
  }

  createClinician(clinician: NewClinician): Promise<Clinician> {
    return createClinician(this.db, clinician);
  }

  getClinician(id: string): Promise<Clinician> {
    return getClinician(this.db, id);
  }

  listClinicians(query: { specialty?: string; limit: number; offset: number }): Promise<ClinicianPage> {
    return listClinicians(this.db, query);
  }
}
