import type { Caller } from "../access/caller.js";
import { requirePatientSelf, requireStaffOrService } from "../access/policy.js";
import { SchedError } from "../errors.js";
import { requireUuid } from "../ids.js";
import type { Clinician, ClinicianPage, Patient, PatientPage } from "../model/directory.js";
import type { PageRequest } from "../paging.js";
import { pageOf } from "../paging.js";
import { requirePlainText } from "../text.js";
import type { DirectoryStore } from "../ports/directory-store.js";

export interface PatientInput {
  name?: string | undefined;
  email?: string | null | undefined;
}

export interface ClinicianInput {
  name?: string | undefined;
  specialty?: string | null | undefined;
}

export interface ClinicianListInput {
  specialty?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

const maxNameLength = 200;
const maxSpecialtyLength = 100;
// The longest address SMTP can carry (RFC 5321).
const maxEmailLength = 254;
// Deliberately loose: only sending a message proves an address works, so this
// only catches what is plainly not one.
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function optionalText(value: string | null | undefined, what: string, maxLength: number): string | null {
  const text = requirePlainText(value, what)?.trim() ?? "";
  if (text === "") return null;
  if (text.length > maxLength) {
    throw new SchedError("invalid_argument", `${what} must be at most ${maxLength} characters`);
  }
  return text;
}

function requiredText(value: string | undefined, what: string, maxLength: number): string {
  const text = optionalText(value, what, maxLength);
  if (text === null) throw new SchedError("invalid_argument", `${what} is required`);
  return text;
}

function optionalEmail(value: string | null | undefined): string | null {
  const email = optionalText(value, "email", maxEmailLength);
  if (email !== null && !emailPattern.test(email)) {
    throw new SchedError("invalid_argument", `email ${JSON.stringify(email.slice(0, 64))} is not an address`);
  }
  return email;
}

/**
 * Patients and clinicians: checks what callers send before the store sees it.
 * The clinicians are a public directory; a patient reads only its own record
 * and adds nobody.
 */
export class Directory {
  private readonly store: DirectoryStore;

  constructor({ store }: { store: DirectoryStore }) {
    this.store = store;
  }

  async createPatient(caller: Caller, { name, email }: PatientInput): Promise<Patient> {
    requireStaffOrService(caller, "create patients");
    return this.store.createPatient({
      name: requiredText(name, "name", maxNameLength),
      email: optionalEmail(email),
    });
  }

  async getPatient(caller: Caller, id: string | undefined): Promise<Patient> {
    const patientId = requireUuid(id, "invalid_patient_id", "patient id");
    requirePatientSelf(caller, patientId);
    return this.store.getPatient(patientId);
  }

  /** The whole register names every patient: staff and services only. */
  async listPatients(caller: Caller, page: PageRequest = {}): Promise<PatientPage> {
    requireStaffOrService(caller, "list patients");
    return this.store.listPatients(pageOf(page));
  }

  async createClinician(caller: Caller, { name, specialty }: ClinicianInput): Promise<Clinician> {
    requireStaffOrService(caller, "create clinicians");
    return this.store.createClinician({
      name: requiredText(name, "name", maxNameLength),
      specialty: optionalText(specialty, "specialty", maxSpecialtyLength),
    });
  }

  async getClinician(_caller: Caller, id: string | undefined): Promise<Clinician> {
    return this.store.getClinician(requireUuid(id, "invalid_clinician_id", "clinician id"));
  }

  async listClinicians(_caller: Caller, { specialty, limit, offset }: ClinicianListInput = {}): Promise<ClinicianPage> {
    return this.store.listClinicians({
      specialty: requirePlainText(specialty, "specialty")?.trim() || undefined,
      ...pageOf({ limit, offset }),
    });
  }
}
