export interface Patient {
  id: string;
  name: string;
  email: string | null;
}

export interface NewPatient {
  name: string;
  email: string | null;
}

export interface Clinician {
  id: string;
  name: string;
  specialty: string | null;
}

export interface NewClinician {
  name: string;
  specialty: string | null;
}

export interface PatientPage {
  patients: Patient[];
  total: number;
}

export interface ClinicianPage {
  clinicians: Clinician[];
  total: number;
}
