import { Code, ConnectError } from "@connectrpc/connect";
import { createSchedClient } from "../../client/create-sched-client.js";
import { errorReason } from "../../client/error-reason.js";
import { failure, refusal, success, type Outcome } from "../../app/simulate/outcome.js";
import { callTimeoutMs, type TrafficAccess, type TrafficClient } from "./traffic-client.js";

/** The generated client over the Connect or gRPC protocol, every worker multiplexed on one HTTP/2 connection. */
export function rpcTrafficClient(baseUrl: string, protocol: "connect" | "grpc", { token, ca }: TrafficAccess): TrafficClient {
  const client = createSchedClient({ baseUrl, protocol, httpVersion: "2", defaultTimeoutMs: callTimeoutMs, token, ca });

  const outcomeOf = async <T>(call: Promise<T>): Promise<Outcome & { response?: T }> => {
    try {
      return { ...success, response: await call };
    } catch (error) {
      const reason = errorReason(error);
      if (reason !== undefined) return refusal(reason);
      // Failures that never reached sched carry no ErrorInfo: name their code.
      return failure(error instanceof ConnectError ? `grpc_${Code[error.code].toLowerCase()}` : "transport_error");
    }
  };

  return {
    async book(slotId, patientId) {
      const { response, ...outcome } = await outcomeOf(client.appointments.createAppointment({ slotId, patientId }));
      const appointmentId = response?.appointment?.id;
      return appointmentId === undefined ? outcome : { ...outcome, appointmentId };
    },
    confirm: (id) => outcomeOf(client.appointments.confirmAppointment({ id })),
    getAppointment: (id) => outcomeOf(client.appointments.getAppointment({ id })),
    listPatientAppointments: (patientId) => outcomeOf(client.appointments.listAppointments({ patientId, limit: 20 })),
    close: () => undefined,
  };
}
