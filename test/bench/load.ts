import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { statusDetailsReasons } from "../support/grpc-client.js";
import type { Attempt, PickCaller } from "./bench-callers.js";
import { RawHttp1Client, type RawAnswer } from "./raw-http1-client.js";
import {
  AppointmentService,
  CreateAppointmentRequestSchema,
} from "../../gen/sched/v1/appointment_service_pb.js";

/*
 * The dedicated load generator: a bare keep-alive HTTP/1.1 connection per
 * client for REST (raw-http1-client.ts) and node:http2 (one connection per
 * client) with protobuf-es encoding the request for gRPC. No code of the server.
 */

export type Outcome = { kind: "booked" } | { kind: "conflict"; reason: string } | { kind: "error"; reason: string };
export type Book = (attempt: Attempt) => Promise<Outcome>;

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
  const connections = Array.from({ length: count }, (_, i) => new RawHttp1Client("127.0.0.1", ports[i % ports.length]!));
  const books = connections.map((connection): Book => async ({ slotId, patientId, authorization }) => {
    let answer: RawAnswer;
    try {
      answer = await connection.post("/appointments", JSON.stringify({ slot_id: slotId, patient_id: patientId }), authorization);
    } catch (error) {
      return { kind: "error", reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
    }
    if (answer.status === 200 || answer.status === 201) return { kind: "booked" };
    let reason = `http_${answer.status}`;
    try {
      const parsed = JSON.parse(answer.body) as { error?: unknown };
      if (typeof parsed.error === "string") reason = parsed.error;
    } catch {
      // not JSON: keep the status as the reason
    }
    return answer.status === 409 ? { kind: "conflict", reason } : { kind: "error", reason };
  });
  return { books, close: () => connections.forEach((connection) => connection.close()) };
}

// gRPC's FAILED_PRECONDITION, ABORTED and ALREADY_EXISTS: the refusals.
const conflictCodes = new Set([9, 10, 6]);
const createPath = `/${AppointmentService.typeName}/${AppointmentService.method.createAppointment.name}`;

/*
 * gRPC over node:http2 directly, one HTTP/2 connection per client: a unary
 * call is one length-prefixed protobuf message out, one in, and grpc-status
 * in the trailers. @grpc/grpc-js spent three to four times the CPU of the
 * REST generator per call here, CPU that the server it measures shares on
 * this 2-core machine; the wire protocol is the same.
 */
export function grpcClients(ports: number[], count: number): Clients {
  const { input } = AppointmentService.method.createAppointment;
  const sessions = Array.from({ length: count }, (_, i) => {
    const session = http2.connect(`http://127.0.0.1:${ports[i % ports.length]}`);
    session.on("error", () => {});
    return session;
  });
  const books = sessions.map((session): Book => ({ slotId, patientId, authorization }) =>
    new Promise<Outcome>((resolve) => {
      const message = toBinary(input, create(CreateAppointmentRequestSchema, { slotId, patientId }));
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt32BE(message.length, 1);
      frame.set(message, 5);
      let stream: http2.ClientHttp2Stream;
      try {
        const headers: http2.OutgoingHttpHeaders = { ":method": "POST", ":path": createPath, "content-type": "application/grpc+proto", te: "trailers" };
        if (authorization !== undefined) headers.authorization = authorization;
        stream = session.request(headers);
      } catch (error) {
        return resolve({ kind: "error", reason: (error as Error).message });
      }
      let status: string | undefined;
      let details: string | undefined;
      const settle = (): void => {
        if (status === "0") return resolve({ kind: "booked" });
        const code = Number(status);
        const reason = (details && statusDetailsReasons(Buffer.from(details, "base64"))[0]) ?? `grpc_${status ?? "no_status"}`;
        resolve(conflictCodes.has(code) ? { kind: "conflict", reason } : { kind: "error", reason });
      };
      // The call ends with its status, as a gRPC client sees it: in the
      // trailers, or in the headers of an answer without a body. The stream's
      // close event comes a turn of the event loop later.
      const read = (headers: http2.IncomingHttpHeaders): void => {
        status ??= headers["grpc-status"] as string | undefined;
        details ??= headers["grpc-status-details-bin"] as string | undefined;
        if (status !== undefined) settle();
      };
      stream.on("response", read);
      stream.on("trailers", read);
      stream.on("data", () => {});
      stream.setTimeout(20_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.on("error", (error) => resolve({ kind: "error", reason: (error as NodeJS.ErrnoException).code ?? error.message }));
      stream.on("close", settle);
      stream.end(frame);
    }),
  );
  return { books, close: () => sessions.forEach((session) => session.close()) };
}

/** Every client books random slots for the callers `pickCaller` draws, back to back until the time is up. */
export async function runCell(clients: Clients, slotIds: string[], pickCaller: PickCaller, seconds: number, keepLatencies = true): Promise<CellResult> {
  const result: CellResult = { attempts: 0, booked: 0, conflicts: 0, errors: 0, reasons: {}, seconds: 0, latenciesMs: [] };
  const started = performance.now();
  const until = started + seconds * 1000;
  const pick = (ids: string[]): string => ids[Math.floor(Math.random() * ids.length)]!;
  await Promise.all(
    clients.books.map(async (book) => {
      while (performance.now() < until) {
        const sent = performance.now();
        const outcome = await book({ slotId: pick(slotIds), ...pickCaller() });
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
