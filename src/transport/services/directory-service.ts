import type { ServiceImpl } from "@connectrpc/connect";
import { DirectoryService } from "../../../gen/sched/v1/directory_service_pb.js";
import { callerOf } from "../security/caller-context.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { clinicianMessage, patientMessage } from "./messages.js";

export function directoryService({ directory }: CoreServices): ServiceImpl<typeof DirectoryService> {
  return {
    async createPatient(request, context) {
      const patient = await directory.createPatient(callerOf(context), { name: request.name, email: request.email ?? null });
      return { patient: patientMessage(patient) };
    },
    async getPatient(request, context) {
      return { patient: patientMessage(await directory.getPatient(callerOf(context), request.id)) };
    },
    async listPatients(request, context) {
      const page = await directory.listPatients(callerOf(context), { limit: request.limit, offset: request.offset });
      return { patients: page.patients.map(patientMessage), total: page.total };
    },
    async createClinician(request, context) {
      const clinician = await directory.createClinician(callerOf(context), { name: request.name, specialty: request.specialty ?? null });
      return { clinician: clinicianMessage(clinician) };
    },
    async listClinicians(request, context) {
      const page = await directory.listClinicians(callerOf(context), {
        specialty: request.specialty || undefined,
        limit: request.limit,
        offset: request.offset,
      });
      return { clinicians: page.clinicians.map(clinicianMessage), total: page.total };
    },
    async getClinician(request, context) {
      return { clinician: clinicianMessage(await directory.getClinician(callerOf(context), request.id)) };
    },
  };
}
