import type { ServiceImpl } from "@connectrpc/connect";
import { DirectoryService } from "../../../gen/sched/v1/directory_service_pb.js";
import type { CoreServices } from "./core-services.js";
import { clinicianMessage, patientMessage } from "./messages.js";

export function directoryService({ directory }: CoreServices): ServiceImpl<typeof DirectoryService> {
  return {
    async createPatient(request) {
      return { patient: patientMessage(await directory.createPatient({ name: request.name, email: request.email ?? null })) };
    },
    async getPatient(request) {
      return { patient: patientMessage(await directory.getPatient(request.id)) };
    },
    async createClinician(request) {
      const clinician = await directory.createClinician({ name: request.name, specialty: request.specialty ?? null });
      return { clinician: clinicianMessage(clinician) };
    },
    async listClinicians(request) {
      const page = await directory.listClinicians({
        specialty: request.specialty || undefined,
        limit: request.limit,
        offset: request.offset,
      });
      return { clinicians: page.clinicians.map(clinicianMessage), total: page.total };
    },
    async getClinician(request) {
      return { clinician: clinicianMessage(await directory.getClinician(request.id)) };
    },
  };
}
