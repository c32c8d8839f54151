import { create, createFileRegistry, protoInt64, type DescField, type DescMessage } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  timestampFromDate,
  timestampDate,
  type Timestamp,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { SchedError } from "../src/core/errors.js";
import { toConnectError } from "../src/transport/errors/to-connect-error.js";
import type { DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { ProcedureTable, served, type ServedService } from "../src/transport/procedures/procedure-table.js";
import { errorResponse } from "../src/transport/rest/error-response.js";
import { matchRoute } from "../src/transport/rest/match-route.js";
import { parsePathTemplate } from "../src/transport/rest/path-template.js";
import { renderMessage, renderResponse } from "../src/transport/rest/render-json.js";
import { buildRequestMessage, queryFieldsOf, type RequestShape } from "../src/transport/rest/request-message.js";
import { buildRestRoutes, type RestRoute } from "../src/transport/rest/routes.js";
import {
  AppointmentDetailsSchema,
  AppointmentEventSchema,
  AppointmentEventType,
  AppointmentSchema,
  AppointmentStatus,
  file_sched_v1_appointment,
} from "../gen/sched/v1/appointment_pb.js";
import { AppointmentService, CreateAppointmentResponseSchema, ListAppointmentsResponseSchema } from "../gen/sched/v1/appointment_service_pb.js";
import { ClinicianSchema, PatientSchema } from "../gen/sched/v1/directory_pb.js";
import { DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { SlotSchema, SlotStatus } from "../gen/sched/v1/slot_pb.js";
import { SlotService } from "../gen/sched/v1/slot_service_pb.js";

function stubBinding(service: DescService): ServedService {
  const unary = service.methods.filter((method): method is DescMethodUnary => method.methodKind === "unary");
  const methods = unary.map((method) => ({ kind: "unary" as const, method, impl: async () => ({}) }));
  return { service, methods, implemented: new Set(service.methods.map((method) => method.localName)), access: "caller" };
}

// The REST routes of services as the procedure table gives them, without a chain.
function routesOf(services: ServedService[]): RestRoute[] {
  return buildRestRoutes(new ProcedureTable(services, (spec) => spec).procedures);
}

const routes = routesOf([AppointmentService, SlotService, DirectoryService].map(stubBinding));

function route(name: string): RestRoute {
  const found = routes.find((candidate) => candidate.method.name === name);
  if (found === undefined) throw new Error(`no route for ${name}`);
  return found;
}

function requestOf(name: string, parts: { variables?: Record<string, string>; query?: string; body?: string }) {
  return buildRequestMessage(route(name), {
    variables: parts.variables ?? {},
    query: new URLSearchParams(parts.query ?? ""),
    body: parts.body ?? "",
  });
}

function schedError(run: () => unknown): SchedError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SchedError);
    return error as SchedError;
  }
  throw new Error("expected a SchedError");
}

const time = (iso: string): Timestamp => timestampFromDate(new Date(iso));

// Request fields the real contract does not have yet: repeated scalars, enums, int64, doubles.
const probeFile = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "test/v1/probe.proto",
    package: "test.v1",
    syntax: "proto3",
    dependency: ["sched/v1/appointment.proto"],
    messageType: [
      {
        name: "Probe",
        field: [
          { name: "statuses", jsonName: "statuses", number: 1, label: Label.REPEATED, type: Type.ENUM, typeName: ".sched.v1.AppointmentStatus" },
          { name: "event_type", jsonName: "eventType", number: 2, label: Label.OPTIONAL, type: Type.ENUM, typeName: ".sched.v1.AppointmentEventType" },
          { name: "big", jsonName: "big", number: 3, label: Label.OPTIONAL, type: Type.INT64 },
          { name: "tags", jsonName: "tags", number: 4, label: Label.REPEATED, type: Type.STRING },
          { name: "nickname", jsonName: "nickname", number: 5, label: Label.OPTIONAL, type: Type.STRING, oneofIndex: 0, proto3Optional: true },
          { name: "ratio", jsonName: "ratio", number: 6, label: Label.OPTIONAL, type: Type.DOUBLE },
        ],
        oneofDecl: [{ name: "_nickname" }],
      },
    ],
  }),
  (name) => (name === "sched/v1/appointment.proto" ? file_sched_v1_appointment : undefined),
);
const Probe: DescMessage = probeFile.getMessage("test.v1.Probe")!;
const probeShape: RequestShape = { input: Probe, pathFields: [], bodyField: undefined, queryFields: queryFieldsOf(Probe, () => false) };

describe("path templates", () => {
  it("binds single-segment variables between literals, percent-decoded", () => {
    const template = parsePathTemplate("/appointments/{id}/confirm");
    expect(template.fields).toEqual(["id"]);
    expect(template.match("/appointments/abc/confirm")).toEqual({ id: "abc" });
    expect(template.match("/appointments/a%20b%2Fc/confirm")).toEqual({ id: "a b/c" });
    for (const path of ["/appointments/abc", "/appointments//confirm", "/appointments/abc/confirm/x", "/appointments/abc/cancel", "appointments/abc/confirm"]) {
      expect(template.match(path), path).toBeUndefined();
    }
    expect(template.match("/appointments/%E0%A4%A/confirm"), "malformed percent-encoding").toBeUndefined();
  });

  it("reads {field=*} as {field}, and {field=**} as the rest of the path with encoded slashes kept", () => {
    expect(parsePathTemplate("/slots/{id=*}").shape).toBe(parsePathTemplate("/slots/{name}").shape);
    const files = parsePathTemplate("/files/{path=**}");
    expect(files.match("/files/a/b%2Fc/d%20e")).toEqual({ path: "a/b%2Fc/d e" });
    expect(files.match("/files")).toEqual({ path: "" });
    expect(files.match("/other/a")).toBeUndefined();
  });

  it("binds multi-segment patterns and a custom verb", () => {
    const template = parsePathTemplate("/v1/{name=shelves/*/books/*}:archive");
    expect(template.match("/v1/shelves/s1/books/b2:archive")).toEqual({ name: "shelves/s1/books/b2" });
    expect(template.match("/v1/shelves/s1/books/b2")).toBeUndefined();
    expect(template.match("/v1/shelves/s1/rooms/b2:archive")).toBeUndefined();
  });

  it("refuses malformed templates and nested field paths at start-up, naming the template", () => {
    expect(() => parsePathTemplate("/appointments/{slot.id}")).toThrow(/"\/appointments\/\{slot.id\}".*nested field path \{slot.id\} is not supported/);
    expect(() => parsePathTemplate("appointments")).toThrow(/must start with "\/"/);
    expect(() => parsePathTemplate("/a/**/b")).toThrow(/"\*\*" may only be the last segment/);
    expect(() => parsePathTemplate("/a/{id}/{id}")).toThrow(/bound twice/);
    expect(() => parsePathTemplate("/a/{id")).toThrow(/is not a variable/);
    expect(() => parsePathTemplate("/a/{1x}")).toThrow(/not a field name/);
  });
});

describe("the route table", () => {
  it("has one route per annotated method, with its verb, template, body and success status", () => {
    const table = routes.map((entry) => `${entry.verb} ${entry.template.text} ${entry.successStatus}`).sort();
    expect(table).toEqual(
      [
        "GET /appointments 200",
        "GET /appointments/{id} 200",
        "GET /appointments/{id}/events 200",
        "POST /appointments 201",
        "POST /appointments/{id}/cancel 200",
        "POST /appointments/{id}/check-in 200",
        "POST /appointments/{id}/complete 200",
        "POST /appointments/{id}/confirm 200",
        "POST /appointments/{id}/no-show 200",
        "POST /appointments/{id}/reschedule 200",
        "GET /slots 200",
        "GET /slots/{id} 200",
        "POST /slots 201",
        "POST /slots/{id}/block 200",
        "POST /slots/{id}/unblock 200",
        "GET /clinicians 200",
        "GET /clinicians/{id} 200",
        "GET /patients 200",
        "GET /patients/{id} 200",
        "POST /clinicians 201",
        "POST /patients 201",
      ].sort(),
    );
    expect(route("CreateAppointment")).toMatchObject({ bodyField: "*", successStatus: 201 });
    expect(route("CreateAppointment").responseBodyField?.name).toBe("appointment");
    expect(route("ListAppointments").bodyField).toBeUndefined();
    expect([...route("ListAppointments").queryFields.keys()].sort()).toEqual(
      ["limit", "offset", "patientId", "patient_id", "slotId", "slot_id"].sort(),
    );
    expect(route("GetAppointment").pathFields.map((field) => field.name)).toEqual(["id"]);
  });

  it("refuses two routes with the same verb and template, and an annotated method without implementation", () => {
    expect(() => routesOf([stubBinding(AppointmentService), stubBinding(AppointmentService)])).toThrow(
      /sched.v1.AppointmentService\/CreateAppointment: POST \/appointments is already bound to sched.v1.AppointmentService\/CreateAppointment/,
    );
    expect(() => routesOf([served(SlotService, {}, "caller")])).toThrow(
      /sched.v1.SlotService\/CreateSlots: it has a google.api.http binding but no implementation/,
    );
  });

  it("matches paths to routes, tells a wrong method from a path that is not REST's", () => {
    const found = matchRoute(routes, "GET", "/appointments/abc");
    expect(found.kind === "found" && [found.route.method.name, found.variables]).toEqual(["GetAppointment", { id: "abc" }]);
    const events = matchRoute(routes, "GET", "/appointments/abc/events");
    expect(events.kind === "found" && events.route.method.name).toBe("ListAppointmentEvents");
    expect(matchRoute(routes, "DELETE", "/appointments/abc")).toEqual({ kind: "wrong_method", allowed: ["GET"] });
    expect(matchRoute(routes, "PUT", "/appointments")).toEqual({ kind: "wrong_method", allowed: ["GET", "POST"] });
    expect(matchRoute(routes, "POST", "/sched.v1.AppointmentService/CreateAppointment")).toEqual({ kind: "none" });
    expect(matchRoute(routes, "GET", "/appointments/abc/nothing")).toEqual({ kind: "none" });
  });
});

describe("request messages", () => {
  it("reads query parameters by proto and JSON name: strings, integers, booleans and RFC 3339 times", () => {
    expect(requestOf("ListAppointments", { query: "patient_id=p1&limit=5&offset=10" })).toMatchObject({ patientId: "p1", limit: 5, offset: 10 });
    expect(requestOf("ListAppointments", { query: "slotId=s1" })).toMatchObject({ slotId: "s1" });
    const search = requestOf("SearchSlots", { query: "from=2031-01-06T08:00:00Z&to=2031-01-06T12:00:00%2B02:00&available=true" });
    expect(search).toMatchObject({ available: true });
    expect(timestampDate((search as unknown as { from: Timestamp }).from).toISOString()).toBe("2031-01-06T08:00:00.000Z");
    expect(timestampDate((search as unknown as { to: Timestamp }).to).toISOString()).toBe("2031-01-06T10:00:00.000Z");
  });

  it("refuses unknown parameters and values of the wrong type with invalid_argument naming the parameter", () => {
    const cases: [string, string, RegExp][] = [
      ["ListAppointments", "patient=p1", /unknown query parameter "patient"/],
      ["ListAppointments", "limit=ten", /query parameter "limit" must be a value of type int32, got "ten"/],
      ["ListAppointments", "limit=99999999999", /query parameter "limit"/],
      ["ListAppointments", "limit=1&limit=2", /query parameter "limit" must be given only once, got \["1","2"\]/],
      ["SearchSlots", "available=yes", /query parameter "available" must be true or false, got "yes"/],
      ["SearchSlots", "from=tomorrow", /query parameter "from" must be an RFC 3339 time/],
      ["CreateAppointment", "slot_id=s1", /unknown query parameter "slot_id"/],
    ];
    for (const [name, query, message] of cases) {
      const error = schedError(() => requestOf(name, { query }));
      expect([error.code, error.message], query).toEqual(["invalid_argument", expect.stringMatching(message)]);
    }
  });

  it("reads repeated parameters, enums by full name or short word, and int64", () => {
    const read = (query: string) =>
      buildRequestMessage(probeShape, { variables: {}, query: new URLSearchParams(query), body: "" }) as unknown as Record<string, unknown>;
    expect(read("statuses=pending&statuses=APPOINTMENT_STATUS_CONFIRMED&statuses=Expired").statuses).toEqual([
      AppointmentStatus.PENDING,
      AppointmentStatus.CONFIRMED,
      AppointmentStatus.EXPIRED,
    ]);
    expect(read("event_type=APPOINTMENT_CREATED").eventType).toBe(AppointmentEventType.APPOINTMENT_CREATED);
    expect(read("eventType=appointment_cancelled").eventType).toBe(AppointmentEventType.APPOINTMENT_CANCELLED);
    expect(read("tags=a&tags=b").tags).toEqual(["a", "b"]);
    expect(read("big=9007199254740993").big).toBe(protoInt64.parse("9007199254740993"));
    expect(read("ratio=0.25").ratio).toBe(0.25);
    const error = schedError(() => read("statuses=lost"));
    expect(error.message).toBe('query parameter "statuses" must be one of pending, confirmed, cancelled, expired, arrived, fulfilled, noshow, got "lost"');
  });

  it("reads a JSON body, path variables winning over it", () => {
    expect(requestOf("CreateAppointment", { body: '{"slot_id":"s1","patientId":"p1"}' })).toMatchObject({ slotId: "s1", patientId: "p1" });
    expect(requestOf("ConfirmAppointment", { variables: { id: "from-path" }, body: '{"id":"from-body"}' })).toMatchObject({ id: "from-path" });
    expect(requestOf("ConfirmAppointment", { variables: { id: "a1" }, body: "  " })).toMatchObject({ id: "a1" });
    const slots = buildRequestMessage(
      { ...route("CreateSlots"), bodyField: route("CreateSlots").input.field.slots as DescField },
      { variables: {}, query: new URLSearchParams(), body: '[{"clinician_id":"c1","capacity":2}]' },
    );
    expect(slots).toMatchObject({ slots: [{ clinicianId: "c1", capacity: 2 }] });
  });

  it("refuses malformed JSON, unknown fields and wrong JSON types with invalid_request_body", () => {
    const cases: [string, RegExp][] = [
      ['{"slot_id":', /not valid JSON/],
      ['["s1"]', /must be a JSON object/],
      ['{"slot_id":"s1","color":"red"}', /key "color" is unknown/],
      ['{"slot_id":5}', /slot_id: expected string, got 5/],
    ];
    for (const [body, message] of cases) {
      const error = schedError(() => requestOf("CreateAppointment", { body }));
      expect([error.code, error.message], body).toEqual(["invalid_request_body", expect.stringMatching(message)]);
    }
  });
});

describe("REST JSON rendering", () => {
  const created = time("2031-01-06T07:00:00Z");

  it("renders snake_case names, lowercase status words, RFC 3339 times and null for an absent time", () => {
    const appointment = create(AppointmentSchema, {
      id: "a1",
      slotId: "s1",
      patientId: "p1",
      status: AppointmentStatus.CONFIRMED,
      createdAt: created,
      updatedAt: time("2031-01-06T07:00:01.5Z"),
    });
    expect(renderMessage(AppointmentSchema, appointment)).toEqual({
      id: "a1",
      slot_id: "s1",
      patient_id: "p1",
      status: "confirmed",
      expires_at: null,
      created_at: "2031-01-06T07:00:00Z",
      updated_at: "2031-01-06T07:00:01.500Z",
      overbooked: false,
    });
    const response = create(CreateAppointmentResponseSchema, { appointment: { ...appointment, status: AppointmentStatus.PENDING, expiresAt: created } });
    expect(renderResponse(CreateAppointmentResponseSchema, response, CreateAppointmentResponseSchema.field.appointment)).toMatchObject({
      status: "pending",
      expires_at: "2031-01-06T07:00:00Z",
    });
  });

  it("renders every field, zero values included, and null for unset messages and unset optional fields", () => {
    expect(renderMessage(ListAppointmentsResponseSchema, create(ListAppointmentsResponseSchema))).toEqual({ appointments: [], total: 0 });
    expect(renderMessage(PatientSchema, create(PatientSchema, { id: "p1", name: "Ada" }))).toEqual({ id: "p1", name: "Ada", email: null });
    expect(renderMessage(PatientSchema, create(PatientSchema, { id: "p1", name: "Ada", email: "" }))).toEqual({ id: "p1", name: "Ada", email: "" });
    expect(renderMessage(ClinicianSchema, create(ClinicianSchema, { id: "c1", name: "Dr B", specialty: "cardiology" }))).toEqual({
      id: "c1",
      name: "Dr B",
      specialty: "cardiology",
    });
    const details = renderMessage(AppointmentDetailsSchema, create(AppointmentDetailsSchema, { id: "a1" }));
    expect(details).toEqual({
      id: "a1",
      status: "unspecified",
      created_at: null,
      updated_at: null,
      expires_at: null,
      overbooked: false,
      slot: null,
      patient: null,
      clinician: null,
    });
    const slot = create(SlotSchema, { id: "s1", status: SlotStatus.OPEN, capacity: 1, startTime: created, endTime: created });
    expect(renderMessage(SlotSchema, slot)).toEqual({
      id: "s1",
      clinician_id: "",
      start_time: "2031-01-06T07:00:00Z",
      end_time: "2031-01-06T07:00:00Z",
      status: "open",
      capacity: 1,
      available: 0,
      overbooked: 0,
    });
  });

  it("renders event types by their API names, int64 as numbers while exact, and a Struct as plain JSON", () => {
    const event = create(AppointmentEventSchema, {
      id: 42n,
      appointmentId: "a1",
      eventType: AppointmentEventType.APPOINTMENT_CREATED,
      payload: { to: "pending", from: null, attempt: 2 },
      createdAt: created,
      actor: { subject: "front-desk-7", role: "staff" },
      position: "7342-42",
    });
    expect(renderMessage(AppointmentEventSchema, event)).toEqual({
      id: 42,
      appointment_id: "a1",
      event_type: "APPOINTMENT_CREATED",
      payload: { to: "pending", from: null, attempt: 2 },
      created_at: "2031-01-06T07:00:00Z",
      actor: { subject: "front-desk-7", role: "staff" },
      position: "7342-42",
    });
    const huge = create(AppointmentEventSchema, { id: 2n ** 63n - 1n });
    expect(renderMessage(AppointmentEventSchema, huge)).toMatchObject({
      id: "9223372036854775807",
      payload: null,
    });
  });

  it("renders repeated enums as words, unknown enum numbers as numbers, and non-finite doubles as strings", () => {
    const probe = create(Probe, { statuses: [AppointmentStatus.PENDING, 9], eventType: AppointmentEventType.APPOINTMENT_EXPIRED, ratio: Number.NaN } as never);
    expect(renderMessage(Probe, probe)).toEqual({
      statuses: ["pending", 9],
      event_type: "APPOINTMENT_EXPIRED",
      big: 0,
      tags: [],
      nickname: null,
      ratio: "NaN",
    });
  });
});

describe("error bodies", () => {
  it("carry the error code and the status of the error table", () => {
    const cases: [SchedError, number][] = [
      [new SchedError("invalid_slot_id", "slot_id is not a UUID"), 400],
      [new SchedError("appointment_not_found", "appointment not found"), 404],
      [new SchedError("slot_already_booked", "no capacity left"), 409],
      [new SchedError("idempotency_key_reused", "key reused"), 422],
      [new SchedError("unavailable", "database unavailable"), 503],
    ];
    for (const [error, status] of cases) {
      expect(errorResponse(toConnectError(error))).toEqual({ status, body: { error: error.code, details: error.message } });
    }
    expect(errorResponse(new SchedError("request_too_large", "too big"))).toEqual({ status: 413, body: { error: "request_too_large", details: "too big" } });
    expect(errorResponse(new ConnectError("bad frame", Code.InvalidArgument))).toEqual({
      status: 400,
      body: { error: "invalid_request_body", details: "bad frame" },
    });
  });

  it("never pass on the text of an internal error", () => {
    const internal = { status: 500, body: { error: "internal_error", details: "internal error" } };
    expect(errorResponse(new Error('duplicate key value violates unique constraint "x" SELECT * FROM appointments'))).toEqual(internal);
    expect(errorResponse(toConnectError(new SchedError("internal_error", "pg: connection reset at 10.0.0.3")))).toEqual(internal);
    expect(errorResponse(new ConnectError("stack at Foo.bar (file.ts:3)", Code.Internal))).toEqual(internal);
  });
});
