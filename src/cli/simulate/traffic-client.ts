import type { Outcome } from "../../app/simulate/outcome.js";

/** The calls the simulation makes, over whichever protocol was chosen. */
export interface TrafficClient {
  /** A pending hold; `appointmentId` is set when it was made. */
  book(slotId: string, patientId: string): Promise<Outcome & { appointmentId?: string }>;
  confirm(appointmentId: string): Promise<Outcome>;
  getAppointment(appointmentId: string): Promise<Outcome>;
  listPatientAppointments(patientId: string): Promise<Outcome>;
  close(): void;
}

export type TrafficProtocol = "rest" | "connect" | "grpc";

export const trafficProtocols: readonly TrafficProtocol[] = ["rest", "connect", "grpc"];

/** What a server that asks for tokens, or serves TLS with a private CA, needs of a client. */
export interface TrafficAccess {
  token: string | undefined;
  /** PEM CA certificate(s) to trust for https:// URLs. */
  ca: Buffer | undefined;
}

/** How long one call may take before it counts as an error. */
export const callTimeoutMs = 10_000;
