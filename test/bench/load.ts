import http from "node:http";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { errorInfoReasons } from "../support/grpc-client.js";
import {
  AppointmentService,
  CreateAppointmentRequestSchema,
  type CreateAppointmentRequest,
  type CreateAppointmentResponse,
} from "../../gen/sched/v1/appointment_service_pb.js";

/*
 * The dedicated load generator: plain node:http (keep-alive, one socket per
 * client) for REST and @grpc/grpc-js (one connection per client) with
 * protobuf-es doing the (de)serialisation for gRPC. No code of the server.
 */

export type Outcome = { kind: "booked" } | { kind: "conflict"; reason: string } | { kind: "error"; reason: string };
export type Book = (slotId: string, patientId: string) => Promise<Outcome>;

export interface CellResult {
  attempts: number;
  booked: number;
  conflicts: number;
  errors: number;
  reasons: Record<string, number>;
  seconds: number;
  latenciesMs: number[];
}

export interface Clients {
  books: Book[];
  close(): void;
}

/** Client i talks to ports[i % ports.length]: the clients are dealt to the server processes. */
export function restClients(ports: number[], count: number): Clients {
  const agents = Array.from({ length: count }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const books = agents.map((agent, i): Book => (slotId, patientId) => {
    const port = ports[i % ports.length];
    const body = JSON.stringify({ slot_id: slotId, patient_id: patientId });
    return new Promise<Outcome>((resolve) => {
      const request = http.request(
        { host: "127.0.0.1", port, method: "POST", path: "/appointments", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const status = response.statusCode ?? 0;
            if (status === 200 || status === 201) return resolve({ kind: "booked" });
            let reason = `http_${status}`;
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString()) as { error?: unknown };
              if (typeof parsed.error === "string") reason = parsed.error;
            } catch {
              // not JSON: keep the status as the reason
            }
            resolve(status === 409 ? { kind: "conflict", reason } : { kind: "error", reason });
          });
          response.on("error", (error) => resolve({ kind: "error", reason: error.message }));
        },
      );
      request.setTimeout(20_000, () => request.destroy(new Error("timeout")));
      request.on("error", (error) => resolve({ kind: "error", reason: (error as NodeJS.ErrnoException).code ?? error.message }));
      request.end(body);
    });
  });
  return { books, close: () => agents.forEach((agent) => agent.destroy()) };
}

const conflictCodes = new Set([grpc.status.FAILED_PRECONDITION, grpc.status.ABORTED, grpc.status.ALREADY_EXISTS]);
const createPath = `/${AppointmentService.typeName}/${AppointmentService.method.createAppointment.name}`;

export function grpcClients(ports: number[], count: number): Clients {
  const { input, output } = AppointmentService.method.createAppointment;
  // A local subchannel pool per client: each client gets its own HTTP/2 connection.
  const channels = Array.from({ length: count }, (_, i) =>
    new grpc.Client(`127.0.0.1:${ports[i % ports.length]}`, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }),
  );
  const books = channels.map((client): Book => (slotId, patientId) =>
    new Promise<Outcome>((resolve) => {
      client.makeUnaryRequest(
        createPath,
        (message: CreateAppointmentRequest) => Buffer.from(toBinary(input, message)),
        (bytes: Buffer): CreateAppointmentResponse => fromBinary(output, bytes),
        create(CreateAppointmentRequestSchema, { slotId, patientId }),
        new grpc.Metadata(),
        { deadline: Date.now() + 20_000 },
        (error) => {
          if (!error) return resolve({ kind: "booked" });
          const reason = errorInfoReasons(error)[0] ?? grpc.status[error.code] ?? String(error.code);
          resolve(conflictCodes.has(error.code) ? { kind: "conflict", reason } : { kind: "error", reason });
        },
      );
    }),
  );
  return { books, close: () => channels.forEach((channel) => channel.close()) };
}

/** Every client books random (slot, patient) pairs back to back until the time is up. */
export async function runCell(clients: Clients, slotIds: string[], patientIds: string[], seconds: number, keepLatencies = true): Promise<CellResult> {
  const result: CellResult = { attempts: 0, booked: 0, conflicts: 0, errors: 0, reasons: {}, seconds: 0, latenciesMs: [] };
  const started = performance.now();
  const until = started + seconds * 1000;
  const pick = (ids: string[]): string => ids[Math.floor(Math.random() * ids.length)]!;
  await Promise.all(
    clients.books.map(async (book) => {
      while (performance.now() < until) {
        const sent = performance.now();
        const outcome = await book(pick(slotIds), pick(patientIds));
        if (keepLatencies) result.latenciesMs.push(performance.now() - sent);
        result.attempts += 1;
        if (outcome.kind === "booked") result.booked += 1;
        else {
          if (outcome.kind === "conflict") result.conflicts += 1;
          else result.errors += 1;
          result.reasons[outcome.reason] = (result.reasons[outcome.reason] ?? 0) + 1;
        }
      }
    }),
  );
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
