import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { ConnectError } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { AppointmentStatus, type Appointment, type AppointmentDetails } from "../gen/sched/v1/appointment_pb.js";
import {
  ConfirmAppointmentRequestSchema,
  ConfirmAppointmentResponseSchema,
  CreateAppointmentRequestSchema,
  CreateAppointmentResponseSchema,
  GetAppointmentRequestSchema,
  GetAppointmentResponseSchema,
} from "../gen/sched/v1/appointment_service_pb.js";
import { SlotStatus } from "../gen/sched/v1/slot_pb.js";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createSchedClient, errorReason, type SchedClient } from "../src/client/index.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall, timeValue, uuidPattern, type Json } from "./support/e2e-rest.js";
import { errorInfos, protoLoaderClient, protoLoaderUnary, statusDetails } from "./support/proto-loader-grpc.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

/*
 * The first acceptance test: one `sched serve` process, and the same
 * create → confirm → get flow (plus a refusal on the full slot) over every
 * protocol it serves, each through a different client:
 *
 *   REST                      plain fetch, the REST JSON
 *   Connect JSON              plain fetch, application/json
 *   Connect binary            plain fetch, application/proto, protobuf-es on the generated schemas
 *   gRPC                      the exported client (createSchedClient)
 *   gRPC-Web                  the exported client, over HTTP/1.1 and over HTTP/2
 *   Connect over HTTP/2       the exported client
 *   gRPC (independent)        @grpc/grpc-js with @grpc/proto-loader reading proto/ itself
 *
 * Every client's answers are brought to one view, so that one set of
 * expectations holds them all to the same contract.
 */

/** An appointment as any protocol reports it; times in milliseconds since the epoch, null when absent. */
interface HoldView {
  id: string;
  slotId: string;
  patientId: string;
  status: string;
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

interface DetailsView {
  id: string;
  status: string;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  slot: { id: string; clinicianId: string; startTime: number; endTime: number; status: string; capacity: number; available: number };
  patient: { id: string; name: string; email: string | null };
  clinician: { id: string; name: string; specialty: string | null };
}

/** A failed call: the error code as the protocol carries it, and the protocol's own status. */
class Refused extends Error {
  constructor(
    readonly reason: string | undefined,
    /** "409" for REST, "400 failed_precondition" for Connect over fetch, "grpc 9" for gRPC-family clients. */
    readonly wire: string,
    message: string,
  ) {
    super(`${wire} ${reason}: ${message}`);
  }
}

interface Driver {
  create(slotId: string, patientId: string): Promise<HoldView>;
  confirm(id: string): Promise<HoldView>;
  get(id: string): Promise<DetailsView>;
  /** The protocol status expected for FAILED_PRECONDITION, NOT_FOUND and INVALID_ARGUMENT failures. */
  wire: { failedPrecondition: string; notFound: string; invalidArgument: string };
  close(): void;
}

const grpcWire = { failedPrecondition: "grpc 9", notFound: "grpc 5", invalidArgument: "grpc 3" };

// ---------------------------------------------------------------- REST

function restHold(body: Json): HoldView {
  expect(Object.keys(body).sort()).toEqual(["created_at", "expires_at", "id", "overbooked", "patient_id", "slot_id", "status", "updated_at"]);
  return {
    id: body.id,
    slotId: body.slot_id,
    patientId: body.patient_id,
    status: body.status,
    expiresAt: body.expires_at === null ? null : timeValue(body.expires_at),
    createdAt: timeValue(body.created_at),
    updatedAt: timeValue(body.updated_at),
  };
}

function restDetails(body: Json): DetailsView {
  return {
    id: body.id,
    status: body.status,
    createdAt: timeValue(body.created_at),
    updatedAt: timeValue(body.updated_at),
    expiresAt: body.expires_at === null ? null : timeValue(body.expires_at),
    slot: {
      id: body.slot.id,
      clinicianId: body.slot.clinician_id,
      startTime: timeValue(body.slot.start_time),
      endTime: timeValue(body.slot.end_time),
      status: body.slot.status,
      capacity: body.slot.capacity,
      available: body.slot.available,
    },
    patient: { id: body.patient.id, name: body.patient.name, email: body.patient.email },
    clinician: { id: body.clinician.id, name: body.clinician.name, specialty: body.clinician.specialty },
  };
}

function restDriver(baseUrl: string): Driver {
  const call = async (method: string, path: string, body: unknown, success: number): Promise<Json> => {
    const answer = await restCall(baseUrl, method, path, body);
    if (answer.status >= 400) {
      expect(Object.keys(answer.body).sort()).toEqual(["details", "error"]);
      throw new Refused(answer.body.error, String(answer.status), answer.body.details);
    }
    expect(answer.status).toBe(success);
    return answer.body;
  };
  return {
    create: async (slotId, patientId) => restHold(await call("POST", "/appointments", { slot_id: slotId, patient_id: patientId }, 201)),
    confirm: async (id) => restHold(await call("POST", `/appointments/${id}/confirm`, undefined, 200)),
    get: async (id) => restDetails(await call("GET", `/appointments/${id}`, undefined, 200)),
    wire: { failedPrecondition: "409", notFound: "404", invalidArgument: "400" },
    close: () => {},
  };
}

// ---------------------------------------------------------------- protobuf-es messages (Connect binary, exported clients)

function millis(timestamp: Timestamp | undefined): number | null {
  return timestamp === undefined ? null : Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the answer lacks ${what}`);
  return value;
}

function requiredMillis(timestamp: Timestamp | undefined, what: string): number {
  return millis(required(timestamp, what))!;
}

function messageHold(appointment: Appointment | undefined): HoldView {
  const message = required(appointment, "its appointment");
  return {
    id: message.id,
    slotId: message.slotId,
    patientId: message.patientId,
    status: AppointmentStatus[message.status].toLowerCase(),
    expiresAt: millis(message.expiresAt),
    createdAt: requiredMillis(message.createdAt, "created_at"),
    updatedAt: requiredMillis(message.updatedAt, "updated_at"),
  };
}

function messageDetails(appointment: AppointmentDetails | undefined): DetailsView {
  const message = required(appointment, "its appointment");
  const slot = required(message.slot, "the slot");
  const patient = required(message.patient, "the patient");
  const clinician = required(message.clinician, "the clinician");
  return {
    id: message.id,
    status: AppointmentStatus[message.status].toLowerCase(),
    createdAt: requiredMillis(message.createdAt, "created_at"),
    updatedAt: requiredMillis(message.updatedAt, "updated_at"),
    expiresAt: millis(message.expiresAt),
    slot: {
      id: slot.id,
      clinicianId: slot.clinicianId,
      startTime: requiredMillis(slot.startTime, "start_time"),
      endTime: requiredMillis(slot.endTime, "end_time"),
      status: SlotStatus[slot.status].toLowerCase(),
      capacity: slot.capacity,
      available: slot.available,
    },
    patient: { id: patient.id, name: patient.name, email: patient.email ?? null },
    clinician: { id: clinician.id, name: clinician.name, specialty: clinician.specialty ?? null },
  };
}

// ---------------------------------------------------------------- Connect over fetch (JSON and binary)

const connectCodeHttpStatus: Record<string, number> = { failed_precondition: 400, not_found: 404, invalid_argument: 400 };

/** A Connect unary error: always a JSON body {code, message, details: [{type, value, debug?}]}, whatever the codec. */
function connectRefusal(status: number, contentType: string | null, text: string): Refused {
  expect(contentType).toMatch(/^application\/json/);
  const body = JSON.parse(text) as Json;
  expect(Object.keys(body).sort()).toEqual(["code", "details", "message"]);
  expect(body).toEqual({
    code: expect.any(String),
    message: expect.any(String),
    details: [expect.objectContaining({ type: "google.rpc.ErrorInfo", value: expect.any(String) })],
  });
  expect(status).toBe(connectCodeHttpStatus[body.code]);
  const [detail] = body.details as Json[];
  for (const key of Object.keys(detail)) expect(["type", "value", "debug"]).toContain(key);
  // The value is the binary ErrorInfo in base64 (unpadded, as Connect writes it).
  const info = fromBinary(ErrorInfoSchema, Buffer.from(detail.value, "base64"));
  expect(info.domain).toBe("sched.v1");
  return new Refused(info.reason, `${status} ${body.code}`, body.message);
}

function connectJsonDriver(baseUrl: string): Driver {
  const call = async (method: string, request: Json): Promise<Json> => {
    const response = await fetch(`${baseUrl}/sched.v1.AppointmentService/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw connectRefusal(response.status, response.headers.get("content-type"), text);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    return JSON.parse(text);
  };
  // ProtoJSON: lowerCamel names, enum constant names, RFC 3339 times, unset fields left out.
  const status = (name: string): string => {
    expect(name).toMatch(/^APPOINTMENT_STATUS_[A-Z]+$/);
    return name.replace("APPOINTMENT_STATUS_", "").toLowerCase();
  };
  const time = (text: string | undefined): number | null => (text === undefined ? null : timeValue(text));
  const hold = (body: Json): HoldView => {
    const a = body.appointment;
    return { id: a.id, slotId: a.slotId, patientId: a.patientId, status: status(a.status), expiresAt: time(a.expiresAt), createdAt: timeValue(a.createdAt), updatedAt: timeValue(a.updatedAt) };
  };
  return {
    create: async (slotId, patientId) => hold(await call("CreateAppointment", { slotId, patientId })),
    confirm: async (id) => hold(await call("ConfirmAppointment", { id })),
    get: async (id) => {
      const a = (await call("GetAppointment", { id })).appointment;
      return {
        id: a.id,
        status: status(a.status),
        createdAt: timeValue(a.createdAt),
        updatedAt: timeValue(a.updatedAt),
        expiresAt: time(a.expiresAt),
        slot: {
          id: a.slot.id,
          clinicianId: a.slot.clinicianId,
          startTime: timeValue(a.slot.startTime),
          endTime: timeValue(a.slot.endTime),
          status: String(a.slot.status).replace("SLOT_STATUS_", "").toLowerCase(),
          capacity: a.slot.capacity,
          // ProtoJSON leaves out zero values.
          available: a.slot.available ?? 0,
        },
        patient: { id: a.patient.id, name: a.patient.name, email: a.patient.email ?? null },
        clinician: { id: a.clinician.id, name: a.clinician.name, specialty: a.clinician.specialty ?? null },
      };
    },
    wire: { failedPrecondition: "400 failed_precondition", notFound: "404 not_found", invalidArgument: "400 invalid_argument" },
    close: () => {},
  };
}

function connectBinaryDriver(baseUrl: string): Driver {
  const call = async <I extends DescMessage, O extends DescMessage>(
    method: string,
    input: I,
    output: O,
    request: MessageInitShape<I>,
  ): Promise<MessageShape<O>> => {
    const response = await fetch(`${baseUrl}/sched.v1.AppointmentService/${method}`, {
      method: "POST",
      headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
      body: toBinary(input, create(input, request)),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) throw connectRefusal(response.status, response.headers.get("content-type"), await response.text());
    expect(response.headers.get("content-type")).toBe("application/proto");
    return fromBinary(output, new Uint8Array(await response.arrayBuffer()));
  };
  return {
    create: async (slotId, patientId) =>
      messageHold((await call("CreateAppointment", CreateAppointmentRequestSchema, CreateAppointmentResponseSchema, { slotId, patientId })).appointment),
    confirm: async (id) =>
      messageHold((await call("ConfirmAppointment", ConfirmAppointmentRequestSchema, ConfirmAppointmentResponseSchema, { id })).appointment),
    get: async (id) => messageDetails((await call("GetAppointment", GetAppointmentRequestSchema, GetAppointmentResponseSchema, { id })).appointment),
    wire: { failedPrecondition: "400 failed_precondition", notFound: "404 not_found", invalidArgument: "400 invalid_argument" },
    close: () => {},
  };
}

// ---------------------------------------------------------------- the exported client

function exportedClientDriver(client: SchedClient): Driver {
  const refusal = (error: unknown): never => {
    if (!(error instanceof ConnectError)) throw error;
    throw new Refused(errorReason(error), `grpc ${error.code}`, error.rawMessage);
  };
  return {
    create: (slotId, patientId) => client.appointments.createAppointment({ slotId, patientId }).then((r) => messageHold(r.appointment), refusal),
    confirm: (id) => client.appointments.confirmAppointment({ id }).then((r) => messageHold(r.appointment), refusal),
    get: (id) => client.appointments.getAppointment({ id }).then((r) => messageDetails(r.appointment), refusal),
    wire: grpcWire,
    close: () => {},
  };
}

// ---------------------------------------------------------------- @grpc/grpc-js + @grpc/proto-loader

interface LoadedTimestamp {
  seconds: string;
  nanos: number;
}

function loadedMillis(timestamp: LoadedTimestamp | null): number | null {
  return timestamp === null ? null : Number(timestamp.seconds) * 1000 + timestamp.nanos / 1e6;
}

function loadedStatus(name: string, prefix: string): string {
  expect(name.startsWith(prefix)).toBe(true);
  return name.slice(prefix.length).toLowerCase();
}

/** A proto3 `optional` field as proto-loader reads it with oneofs: its synthetic oneof names it when set. */
function loadedOptional(message: Json, field: string): string | null {
  return message[`_${field}`] === field ? message[field] : null;
}

function grpcJsDriver(port: number): Driver {
  const client = protoLoaderClient("AppointmentService", port);
  const call = async (method: string, request: object): Promise<Json> => {
    try {
      return await protoLoaderUnary(client, method, request);
    } catch (error) {
      const failure = error as grpc.ServiceError;
      if (typeof failure.code !== "number") throw error;
      const infos = errorInfos(failure);
      expect(infos).toHaveLength(1);
      expect(infos[0]!.domain).toBe("sched.v1");
      // The trailer's Status repeats the call's status. (Its message is compared
      // decoded: see the known defect at the end of this file.)
      expect(statusDetails(failure)).toMatchObject({ code: failure.code, message: decodeURIComponent(failure.details) });
      throw new Refused(infos[0]!.reason, `grpc ${failure.code}`, failure.details);
    }
  };
  const hold = (body: Json): HoldView => {
    const a = body.appointment;
    return {
      id: a.id,
      slotId: a.slot_id,
      patientId: a.patient_id,
      status: loadedStatus(a.status, "APPOINTMENT_STATUS_"),
      expiresAt: loadedMillis(a.expires_at),
      createdAt: loadedMillis(a.created_at)!,
      updatedAt: loadedMillis(a.updated_at)!,
    };
  };
  return {
    create: async (slotId, patientId) => hold(await call("CreateAppointment", { slot_id: slotId, patient_id: patientId })),
    confirm: async (id) => hold(await call("ConfirmAppointment", { id })),
    get: async (id) => {
      const a = (await call("GetAppointment", { id })).appointment;
      return {
        id: a.id,
        status: loadedStatus(a.status, "APPOINTMENT_STATUS_"),
        createdAt: loadedMillis(a.created_at)!,
        updatedAt: loadedMillis(a.updated_at)!,
        expiresAt: loadedMillis(a.expires_at),
        slot: {
          id: a.slot.id,
          clinicianId: a.slot.clinician_id,
          startTime: loadedMillis(a.slot.start_time)!,
          endTime: loadedMillis(a.slot.end_time)!,
          status: loadedStatus(a.slot.status, "SLOT_STATUS_"),
          capacity: a.slot.capacity,
          available: a.slot.available,
        },
        patient: { id: a.patient.id, name: a.patient.name, email: loadedOptional(a.patient, "email") },
        clinician: { id: a.clinician.id, name: a.clinician.name, specialty: loadedOptional(a.clinician, "specialty") },
      };
    },
    wire: grpcWire,
    close: () => client.close(),
  };
}

// ---------------------------------------------------------------- the suite

interface Protocol {
  name: string;
  driver(server: ServerProcess): Driver;
}

const protocols: Protocol[] = [
  { name: "REST (fetch)", driver: (server) => restDriver(server.url) },
  { name: "Connect JSON (fetch)", driver: (server) => connectJsonDriver(server.url) },
  { name: "Connect binary (fetch, protobuf-es)", driver: (server) => connectBinaryDriver(server.url) },
  { name: "gRPC (exported client)", driver: (server) => exportedClientDriver(createSchedClient({ baseUrl: server.url, protocol: "grpc" })) },
  {
    name: "gRPC-Web over HTTP/1.1 (exported client)",
    driver: (server) => exportedClientDriver(createSchedClient({ baseUrl: server.url, protocol: "grpc-web", httpVersion: "1.1" })),
  },
  {
    name: "gRPC-Web over HTTP/2 (exported client)",
    driver: (server) => exportedClientDriver(createSchedClient({ baseUrl: server.url, protocol: "grpc-web", httpVersion: "2" })),
  },
  {
    name: "Connect over HTTP/2 (exported client)",
    driver: (server) => exportedClientDriver(createSchedClient({ baseUrl: server.url, protocol: "connect", httpVersion: "2" })),
  },
  { name: "gRPC (@grpc/grpc-js + proto-loader)", driver: (server) => grpcJsDriver(server.port) },
];

interface Fixture {
  slotId: string;
  startTime: number;
  endTime: number;
  patient: { id: string; name: string; email: string | null };
  otherPatientId: string;
}

let database: TestDatabase;
let admin: pg.Pool;
let server: ServerProcess;
let clinician: { id: string; name: string; specialty: string | null };
const fixtures = new Map<string, Fixture>();
const drivers = new Map<string, Driver>();

async function rest(method: string, path: string, body?: unknown): Promise<Json> {
  const answer = await restCall(server.url, method, path, body);
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(201);
  return answer.body;
}

beforeAll(async () => {
  database = await createTestDatabase("e2e_protocols");
  await migrate(database.dsn);
  admin = new pg.Pool({ connectionString: database.dsn, max: 2 });
  server = await startServerProcess({ POSTGRES_DSN: database.dsn });

  // The data every flow needs, made the way a REST client would make it.
  clinician = await rest("POST", "/clinicians", { name: "Dr Ada Protocols", specialty: "neurology" });
  const firstStart = Date.parse("2033-05-02T08:00:00Z");
  const { slots } = await rest("POST", "/slots", {
    slots: protocols.map((_, index) => ({
      clinician_id: clinician.id,
      start_time: new Date(firstStart + index * 3_600_000).toISOString(),
      end_time: new Date(firstStart + index * 3_600_000 + 1_800_000).toISOString(),
      capacity: 1,
    })),
  });
  for (const [index, protocol] of protocols.entries()) {
    // Every other patient has no email, so that each protocol's "absent" is seen too.
    const email = index % 2 === 1 ? `booker${index}@example.org` : undefined;
    const patient = await rest("POST", "/patients", { name: `Booker over ${protocol.name}`, ...(email ? { email } : {}) });
    const other = await rest("POST", "/patients", { name: `Too late over ${protocol.name}` });
    const slot = slots[index];
    fixtures.set(protocol.name, {
      slotId: slot.id,
      startTime: timeValue(slot.start_time),
      endTime: timeValue(slot.end_time),
      patient: { id: patient.id, name: patient.name, email: patient.email },
      otherPatientId: other.id,
    });
    drivers.set(protocol.name, protocol.driver(server));
  }
});

afterAll(async () => {
  for (const driver of drivers.values()) driver.close();
  if (server) {
    process.kill(server.pid, "SIGKILL");
    await server.exited;
  }
  await admin?.end();
  await database?.drop();
});

async function refusalOf(attempt: Promise<unknown>): Promise<{ reason: string | undefined; wire: string }> {
  const outcome = await attempt.then(
    (value) => ({ answered: value }),
    (error: unknown) => error,
  );
  if (!(outcome instanceof Refused)) throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
  return { reason: outcome.reason, wire: outcome.wire };
}

describe.each(protocols)("$name", ({ name }) => {
  it("creates a pending hold, confirms it, reads it hydrated; a second patient on the full slot gets slot_already_booked", async () => {
    const driver = drivers.get(name)!;
    const fixture = fixtures.get(name)!;
    const before = Date.now();

    const created = await driver.create(fixture.slotId, fixture.patient.id);
    expect(created).toEqual({
      id: expect.stringMatching(uuidPattern),
      slotId: fixture.slotId,
      patientId: fixture.patient.id,
      status: "pending",
      expiresAt: expect.any(Number),
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    // APPOINTMENT_TTL is the default 10m; generous bounds for a slow machine.
    expect(created.expiresAt! - before).toBeGreaterThan(9 * 60_000);
    expect(created.expiresAt! - before).toBeLessThan(11 * 60_000);

    const confirmed = await driver.confirm(created.id);
    expect(confirmed).toEqual({ ...created, status: "confirmed", expiresAt: null, updatedAt: expect.any(Number) });
    expect(confirmed.updatedAt).toBeGreaterThanOrEqual(created.updatedAt);

    const details = await driver.get(created.id);
    expect(details).toEqual({
      id: created.id,
      status: "confirmed",
      createdAt: created.createdAt,
      updatedAt: confirmed.updatedAt,
      expiresAt: null,
      slot: {
        id: fixture.slotId,
        clinicianId: clinician.id,
        startTime: fixture.startTime,
        endTime: fixture.endTime,
        status: "open",
        capacity: 1,
        available: 0,
      },
      patient: fixture.patient,
      clinician,
    });

    // The slot is full: the refusal carries the error code, and the protocol's own status.
    expect(await refusalOf(driver.create(fixture.slotId, fixture.otherPatientId))).toEqual({
      reason: "slot_already_booked",
      wire: driver.wire.failedPrecondition,
    });
    // Other failures carry other codes, so a client tells them apart by the code alone.
    expect(await refusalOf(driver.get(randomUUID()))).toEqual({ reason: "appointment_not_found", wire: driver.wire.notFound });
    expect(await refusalOf(driver.confirm("not-a-uuid"))).toEqual({ reason: "invalid_appointment_id", wire: driver.wire.invalidArgument });
    expect(await refusalOf(driver.create(fixture.slotId, randomUUID()))).toEqual({ reason: "patient_not_found", wire: driver.wire.notFound });

    // Every protocol reports the same appointment: REST reads what this one wrote.
    const overRest = await restCall(server.url, "GET", `/appointments/${created.id}`);
    expect(overRest.status).toBe(200);
    expect(restDetails(overRest.body)).toEqual(details);

    // And the database holds exactly that: one active appointment on the slot, with its trail.
    const { rows } = await admin.query<{ id: string; status: string; trail: string }>(
      `SELECT a.id, a.status::text AS status,
              (SELECT string_agg(e.event_type::text, ',' ORDER BY e.id) FROM event_logs e WHERE e.appointment_id = a.id) AS trail
         FROM appointments a WHERE a.slot_id = $1`,
      [fixture.slotId],
    );
    expect(rows).toEqual([{ id: created.id, status: "confirmed", trail: "APPOINTMENT_CREATED,APPOINTMENT_CONFIRMED" }]);
  });
});

describe("an error message read by @grpc/grpc-js", () => {
  let grpcMessage: string | undefined;
  let statusMessage: string | undefined;

  it("arrives as the grpc-message and, unencoded, in the Status of grpc-status-details-bin", async () => {
    const client = protoLoaderClient("AppointmentService", server.port);
    try {
      const failure = await protoLoaderUnary(client, "ConfirmAppointment", { id: "not-a-uuid" }).then(
        () => undefined,
        (error: grpc.ServiceError) => error,
      );
      expect(failure?.code).toBe(3);
      statusMessage = statusDetails(failure!)?.message;
      grpcMessage = failure!.details;
      expect(statusMessage).toBe('appointment id must be a UUID - got "not-a-uuid"');
      expect(grpcMessage).toMatch(/^appointment id must be a UUID/);
    } finally {
      client.close();
    }
  });

  // connect-node percent-encodes grpc-message with encodeURIComponent and
  // @grpc/grpc-js decodes it with decodeURI, which leaves reserved characters
  // encoded; the server writes gRPC messages without them.
  it("reads exactly what the server wrote", () => {
    expect(statusMessage).toBeDefined();
    expect(grpcMessage).toBe(statusMessage);
  });
});
