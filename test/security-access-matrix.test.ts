import type { DescMessage, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService } from "../gen/sched/v1/appointment_service_pb.js";
import { DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { ScheduleService } from "../gen/sched/v1/schedule_service_pb.js";
import { SlotService } from "../gen/sched/v1/slot_service_pb.js";
import { WaitlistService } from "../gen/sched/v1/waitlist_service_pb.js";
import { restCall, restOk, type Json } from "./support/e2e-rest.js";
import { errorInfoReasons, grpcClient, grpcUnary } from "./support/grpc-client.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";
import { authEnv, bearer, token, unsignedToken } from "./support/tokens.js";

// Every RPC, over REST and over gRPC (@grpc/grpc-js), for every kind of
// caller: the five ways of not being authenticated are 401 / UNAUTHENTICATED,
// and the four callers get what the access policy (briefs: policy.md) says.

type Owner = "self" | "other";
/** Who of a patient's kind may call: only for its own things, for anything, or never. */
type PatientRule = "own" | "any" | "never";

interface PreparedCall {
  rest: { method: string; path: string; body?: unknown; success: number };
  grpc: { method: DescMethodUnary<DescMessage, DescMessage>; request: MessageInitShape<DescMessage> };
}

interface RpcCase {
  name: string;
  patient: PatientRule;
  /** Only staff, not services: an overbooking. */
  staffOnly?: boolean;
  /** Fresh resources for one call, belonging to the patient `owner`. */
  prepare(owner: Owner): Promise<PreparedCall>;
}

type Row =
  | { kind: "unauthenticated"; label: string; token: () => Promise<string | undefined> }
  | { kind: "caller"; label: string; token: () => Promise<string>; patientOwner?: Owner };

let served: ServedDatabase;
let database: pg.Pool;
let baseUrl: string;
let grpcConnection: grpc.Client;
let serviceToken: string;
const patients: Record<Owner, string> = { self: "", other: "" };
let clinicianId: string;
let slotCounter = 0;

async function asService(method: string, path: string, body?: unknown): Promise<Json> {
  return restOk(baseUrl, method, path, body, bearer(serviceToken));
}

async function freshSlot(): Promise<string> {
  slotCounter += 1;
  const start = new Date(Date.UTC(2031, 0, 1) + slotCounter * 3_600_000);
  const end = new Date(start.getTime() + 1_800_000);
  const body = await asService("POST", "/slots", { clinician_id: clinicianId, start_time: start.toISOString(), end_time: end.toISOString() });
  return body.slots[0].id as string;
}

async function freshAppointment(owner: Owner): Promise<string> {
  const body = await asService("POST", "/appointments", { slot_id: await freshSlot(), patient_id: patients[owner] });
  return body.id as string;
}

/** A confirmed appointment, checked in when asked, and in a slot that has started when asked. */
async function freshVisit(owner: Owner, options: { checkedIn?: boolean; started?: boolean } = {}): Promise<string> {
  const slotId = await freshSlot();
  const { id } = await asService("POST", "/appointments", { slot_id: slotId, patient_id: patients[owner] });
  await asService("POST", `/appointments/${id}/confirm`, {});
  if (options.checkedIn) await asService("POST", `/appointments/${id}/check-in`, {});
  if (options.started) {
    // Time passing, which the API cannot do: each such slot gets a day of the past of its own.
    await database.query(`UPDATE appointment_slots SET start_time = now() - $2 * interval '1 day', end_time = now() - $2 * interval '1 day' + interval '30 minutes' WHERE id = $1`, [
      slotId,
      slotCounter,
    ]);
  }
  return id as string;
}

const A = AppointmentService.method;
const S = SlotService.method;
const D = DirectoryService.method;
const W = ScheduleService.method;
const L = WaitlistService.method;

/** A waiting entry of the patient `owner` for a slot the other patient has filled. */
async function freshEntry(owner: Owner): Promise<string> {
  const slotId = await freshSlot();
  await asService("POST", "/appointments", { slot_id: slotId, patient_id: patients[owner === "self" ? "other" : "self"] });
  const body = await asService("POST", "/waitlist", { patient_id: patients[owner], slot_id: slotId });
  return body.id as string;
}
// Schedules of a clinician of their own, from a date beyond the horizon so that each makes no slots.
const weeklyRule = { weekdays: ["MONDAY"], start: "09:00", end: "09:30", slot_minutes: 30 };
const weeklyRuleMessage = { weekdays: ["MONDAY"], start: "09:00", end: "09:30", slotMinutes: 30 };
let scheduleClinicianId: string;

async function freshSchedule(): Promise<string> {
  const body = await asService("POST", "/schedules", { clinician_id: scheduleClinicianId, time_zone: "Europe/London", effective_from: "2030-01-07", rules: [weeklyRule] });
  return body.id as string;
}
const call = (rest: PreparedCall["rest"], method: unknown, request: unknown): PreparedCall =>
  ({ rest, grpc: { method, request } }) as PreparedCall;

const rpcs: RpcCase[] = [
  {
    name: "AppointmentService.CreateAppointment",
    patient: "own",
    async prepare(owner) {
      const slotId = await freshSlot();
      const body = { slot_id: slotId, patient_id: patients[owner] };
      return call({ method: "POST", path: "/appointments", body, success: 201 }, A.createAppointment, { slotId, patientId: patients[owner] });
    },
  },
  {
    name: "AppointmentService.CreateAppointment with an overbook_reason",
    patient: "never",
    staffOnly: true,
    async prepare(owner) {
      const slotId = await freshSlot();
      const body = { slot_id: slotId, patient_id: patients[owner], overbook_reason: "urgent" };
      return call({ method: "POST", path: "/appointments", body, success: 201 }, A.createAppointment, { slotId, patientId: patients[owner], overbookReason: "urgent" });
    },
  },
  {
    name: "AppointmentService.RescheduleAppointment",
    patient: "own",
    async prepare(owner) {
      const id = await freshAppointment(owner);
      const slotId = await freshSlot();
      return call({ method: "POST", path: `/appointments/${id}/reschedule`, body: { slot_id: slotId }, success: 200 }, A.rescheduleAppointment, { id, slotId });
    },
  },
  {
    name: "AppointmentService.CheckInAppointment",
    patient: "never",
    async prepare(owner) {
      const id = await freshVisit(owner);
      return call({ method: "POST", path: `/appointments/${id}/check-in`, body: {}, success: 200 }, A.checkInAppointment, { id });
    },
  },
  {
    name: "AppointmentService.CompleteAppointment",
    patient: "never",
    async prepare(owner) {
      const id = await freshVisit(owner, { checkedIn: true });
      return call({ method: "POST", path: `/appointments/${id}/complete`, body: {}, success: 200 }, A.completeAppointment, { id });
    },
  },
  {
    name: "AppointmentService.MarkNoShow",
    patient: "never",
    async prepare(owner) {
      const id = await freshVisit(owner, { started: true });
      return call({ method: "POST", path: `/appointments/${id}/no-show`, body: {}, success: 200 }, A.markNoShow, { id });
    },
  },
  ...(["confirm", "cancel"] as const).map(
    (verb): RpcCase => ({
      name: `AppointmentService.${verb === "confirm" ? "ConfirmAppointment" : "CancelAppointment"}`,
      patient: "own",
      async prepare(owner) {
        const id = await freshAppointment(owner);
        const method = verb === "confirm" ? A.confirmAppointment : A.cancelAppointment;
        return call({ method: "POST", path: `/appointments/${id}/${verb}`, success: 200 }, method, { id });
      },
    }),
  ),
  {
    name: "AppointmentService.GetAppointment",
    patient: "own",
    async prepare(owner) {
      const id = await freshAppointment(owner);
      return call({ method: "GET", path: `/appointments/${id}`, success: 200 }, A.getAppointment, { id });
    },
  },
  {
    name: "AppointmentService.ListAppointmentEvents",
    patient: "own",
    async prepare(owner) {
      const id = await freshAppointment(owner);
      return call({ method: "GET", path: `/appointments/${id}/events`, success: 200 }, A.listAppointmentEvents, { id });
    },
  },
  {
    name: "AppointmentService.ListAppointments by patient_id",
    patient: "own",
    async prepare(owner) {
      return call({ method: "GET", path: `/appointments?patient_id=${patients[owner]}`, success: 200 }, A.listAppointments, { patientId: patients[owner] });
    },
  },
  {
    name: "AppointmentService.ListAppointments by slot_id",
    patient: "never",
    async prepare(owner) {
      const slotId = await freshSlot();
      await asService("POST", "/appointments", { slot_id: slotId, patient_id: patients[owner] });
      return call({ method: "GET", path: `/appointments?slot_id=${slotId}`, success: 200 }, A.listAppointments, { slotId });
    },
  },
  {
    name: "SlotService.SearchSlots",
    patient: "any",
    async prepare() {
      return call({ method: "GET", path: `/slots?clinician_id=${clinicianId}`, success: 200 }, S.searchSlots, { clinicianId });
    },
  },
  {
    name: "SlotService.GetSlot",
    patient: "any",
    async prepare() {
      const id = await freshSlot();
      return call({ method: "GET", path: `/slots/${id}`, success: 200 }, S.getSlot, { id });
    },
  },
  {
    name: "SlotService.CreateSlots",
    patient: "never",
    async prepare() {
      slotCounter += 1;
      const start = new Date(Date.UTC(2031, 0, 1) + slotCounter * 3_600_000);
      const end = new Date(start.getTime() + 1_800_000);
      const body = { clinician_id: clinicianId, start_time: start.toISOString(), end_time: end.toISOString() };
      const request = { clinicianId, startTime: timestampFromDate(start), endTime: timestampFromDate(end) };
      return call({ method: "POST", path: "/slots", body, success: 201 }, S.createSlots, request);
    },
  },
  {
    name: "SlotService.BlockSlot",
    patient: "never",
    async prepare() {
      const id = await freshSlot();
      return call({ method: "POST", path: `/slots/${id}/block`, body: {}, success: 200 }, S.blockSlot, { id });
    },
  },
  {
    name: "SlotService.UnblockSlot",
    patient: "never",
    async prepare() {
      const id = await freshSlot();
      await asService("POST", `/slots/${id}/block`, {});
      return call({ method: "POST", path: `/slots/${id}/unblock`, body: {}, success: 200 }, S.unblockSlot, { id });
    },
  },
  {
    name: "ScheduleService.CreateSchedule",
    patient: "never",
    async prepare() {
      const body = { clinician_id: scheduleClinicianId, time_zone: "Europe/London", effective_from: "2030-01-07", rules: [weeklyRule] };
      const request = { clinicianId: scheduleClinicianId, timeZone: "Europe/London", effectiveFrom: "2030-01-07", rules: [weeklyRuleMessage] };
      return call({ method: "POST", path: "/schedules", body, success: 201 }, W.createSchedule, request);
    },
  },
  {
    name: "ScheduleService.UpdateSchedule",
    patient: "never",
    async prepare() {
      const id = await freshSchedule();
      return call({ method: "PATCH", path: `/schedules/${id}`, body: { time_zone: "UTC" }, success: 200 }, W.updateSchedule, { id, timeZone: "UTC" });
    },
  },
  {
    name: "ScheduleService.GetSchedule",
    patient: "any",
    async prepare() {
      const id = await freshSchedule();
      return call({ method: "GET", path: `/schedules/${id}`, success: 200 }, W.getSchedule, { id });
    },
  },
  {
    name: "ScheduleService.ListSchedules",
    patient: "any",
    async prepare() {
      return call({ method: "GET", path: `/schedules?clinician_id=${scheduleClinicianId}`, success: 200 }, W.listSchedules, { clinicianId: scheduleClinicianId });
    },
  },
  {
    name: "ScheduleService.AddScheduleException",
    patient: "never",
    async prepare() {
      const id = await freshSchedule();
      const body = { date: "2030-01-14", closed: true };
      return call({ method: "POST", path: `/schedules/${id}/exceptions`, body, success: 201 }, W.addScheduleException, { scheduleId: id, ...body });
    },
  },
  {
    name: "ScheduleService.ListScheduleConflicts",
    patient: "never",
    async prepare() {
      const id = await freshSchedule();
      return call({ method: "GET", path: `/schedules/${id}/conflicts`, success: 200 }, W.listScheduleConflicts, { scheduleId: id });
    },
  },
  {
    name: "ScheduleService.FindAvailability",
    patient: "any",
    async prepare() {
      return call({ method: "GET", path: `/availability?clinician_id=${clinicianId}`, success: 200 }, W.findAvailability, { clinicianId });
    },
  },
  {
    name: "WaitlistService.JoinWaitlist",
    patient: "own",
    async prepare(owner) {
      const slotId = await freshSlot();
      const body = { patient_id: patients[owner], slot_id: slotId };
      return call({ method: "POST", path: "/waitlist", body, success: 201 }, L.joinWaitlist, { patientId: patients[owner], slotId });
    },
  },
  {
    name: "WaitlistService.JoinWaitlist with a priority",
    patient: "never",
    staffOnly: true,
    async prepare(owner) {
      const slotId = await freshSlot();
      const body = { patient_id: patients[owner], slot_id: slotId, priority: 3 };
      return call({ method: "POST", path: "/waitlist", body, success: 201 }, L.joinWaitlist, { patientId: patients[owner], slotId, priority: 3 });
    },
  },
  {
    name: "WaitlistService.LeaveWaitlist",
    patient: "own",
    async prepare(owner) {
      const id = await freshEntry(owner);
      return call({ method: "DELETE", path: `/waitlist/${id}`, success: 200 }, L.leaveWaitlist, { id });
    },
  },
  {
    name: "WaitlistService.ListWaitlist",
    patient: "own",
    async prepare(owner) {
      const patientId = patients[owner];
      return call({ method: "GET", path: `/waitlist?patient_id=${patientId}`, success: 200 }, L.listWaitlist, { patientId });
    },
  },
  {
    name: "DirectoryService.GetPatient",
    patient: "own",
    async prepare(owner) {
      const id = patients[owner];
      return call({ method: "GET", path: `/patients/${id}`, success: 200 }, D.getPatient, { id });
    },
  },
  {
    name: "DirectoryService.ListPatients",
    patient: "never",
    async prepare() {
      return call({ method: "GET", path: "/patients", success: 200 }, D.listPatients, {});
    },
  },
  {
    name: "DirectoryService.CreatePatient",
    patient: "never",
    async prepare() {
      return call({ method: "POST", path: "/patients", body: { name: "New Patient" }, success: 201 }, D.createPatient, { name: "New Patient" });
    },
  },
  {
    name: "DirectoryService.CreateClinician",
    patient: "never",
    async prepare() {
      return call({ method: "POST", path: "/clinicians", body: { name: "Dr New" }, success: 201 }, D.createClinician, { name: "Dr New" });
    },
  },
  {
    name: "DirectoryService.ListClinicians",
    patient: "any",
    async prepare() {
      return call({ method: "GET", path: "/clinicians", success: 200 }, D.listClinicians, {});
    },
  },
  {
    name: "DirectoryService.GetClinician",
    patient: "any",
    async prepare() {
      return call({ method: "GET", path: `/clinicians/${clinicianId}`, success: 200 }, D.getClinician, { id: clinicianId });
    },
  },
];

const rows: Row[] = [
  { kind: "unauthenticated", label: "no token", token: async () => undefined },
  { kind: "unauthenticated", label: "expired", token: () => token({ role: "service", sub: "svc", expiresIn: -120 }) },
  { kind: "unauthenticated", label: "wrong signature", token: () => token({ role: "service", sub: "svc", secret: "another-secret-another-secret-another-secret" }) },
  { kind: "unauthenticated", label: "wrong audience", token: () => token({ role: "service", sub: "svc", aud: "someone-else" }) },
  { kind: "unauthenticated", label: "alg none", token: async () => unsignedToken("service", "svc") },
  { kind: "caller", label: "patient self", token: () => token({ role: "patient", sub: patients.self }), patientOwner: "self" },
  { kind: "caller", label: "patient other", token: () => token({ role: "patient", sub: patients.self }), patientOwner: "other" },
  { kind: "caller", label: "staff", token: () => token({ role: "staff", sub: "staff-matrix" }) },
  { kind: "caller", label: "service", token: () => token({ role: "service", sub: "service-matrix" }) },
];

type Expected = "allow" | "deny" | "unauthenticated";

function expectedOf(row: Row, rpc: RpcCase): Expected {
  if (row.kind === "unauthenticated") return "unauthenticated";
  if (rpc.staffOnly && row.label === "service") return "deny";
  if (row.patientOwner === undefined || rpc.patient === "any") return "allow";
  if (rpc.patient === "never") return "deny";
  return row.patientOwner === "self" ? "allow" : "deny";
}

beforeAll(async () => {
  served = await startServedDatabase("security_matrix", { ...authEnv, RATE_LIMIT_POINTS: "0", MAX_ACTIVE_HOLDS_PER_PATIENT: "0" });
  baseUrl = served.server.url;
  database = new pg.Pool({ connectionString: served.database.dsn, max: 2 });
  grpcConnection = grpcClient(served.server.port);
  serviceToken = await token({ role: "service", sub: "matrix-setup" });
  patients.self = (await asService("POST", "/patients", { name: "Patient Self" })).id;
  patients.other = (await asService("POST", "/patients", { name: "Patient Other" })).id;
  clinicianId = (await asService("POST", "/clinicians", { name: "Dr Matrix" })).id;
  scheduleClinicianId = (await asService("POST", "/clinicians", { name: "Dr Weekly Matrix" })).id;
}, 60_000);

afterAll(async () => {
  grpcConnection?.close();
  await database?.end();
  await served?.close();
});

describe.each(rpcs)("$name", (rpc) => {
  it.each(rows)("$label", async (row) => {
    const expected = expectedOf(row, rpc);
    const value = await row.token();
    const headers: Record<string, string> = value === undefined ? {} : bearer(value);

    const restCallPrepared = await rpc.prepare(row.kind === "caller" ? (row.patientOwner ?? "self") : "self");
    const rest = await restCall(baseUrl, restCallPrepared.rest.method, restCallPrepared.rest.path, restCallPrepared.rest.body, headers);
    if (expected === "allow") expect(rest.status, rest.text).toBe(restCallPrepared.rest.success);
    if (expected === "deny") expect(rest.body, rest.text).toMatchObject({ error: "permission_denied" });
    if (expected === "unauthenticated") {
      expect(rest.body).toEqual({ error: "unauthenticated", details: "authentication required" });
      expect(rest.headers.get("www-authenticate")).toBe('Bearer realm="sched"');
    }
    if (expected !== "allow") expect(rest.status).toBe(expected === "deny" ? 403 : 401);

    const grpcPrepared = await rpc.prepare(row.kind === "caller" ? (row.patientOwner ?? "self") : "self");
    const metadata = new grpc.Metadata();
    if (value !== undefined) metadata.set("authorization", `Bearer ${value}`);
    const answer = await grpcUnary(grpcConnection, grpcPrepared.grpc.method, grpcPrepared.grpc.request, metadata);
    if (expected === "allow") {
      expect(answer.error, answer.error?.details).toBeUndefined();
    } else {
      expect(answer.error?.code).toBe(expected === "deny" ? grpc.status.PERMISSION_DENIED : grpc.status.UNAUTHENTICATED);
      expect(errorInfoReasons(answer.error!)).toEqual([expected === "deny" ? "permission_denied" : "unauthenticated"]);
      if (expected === "unauthenticated") expect(answer.error!.details).toBe("authentication required");
    }
  });
});

describe("a patient learns nothing of other patients' appointments", () => {
  it("another patient's appointment and one that does not exist get the same refusal", async () => {
    const patientToken = await token({ role: "patient", sub: patients.self });
    const others = await freshAppointment("other");
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const path of [`/appointments/${others}`, `/appointments/${others}/events`, `/appointments/${others}/cancel`]) {
      const method = path.endsWith("cancel") ? "POST" : "GET";
      const real = await restCall(baseUrl, method, path, undefined, bearer(patientToken));
      const absent = await restCall(baseUrl, method, path.replace(others, missing), undefined, bearer(patientToken));
      expect(real.status).toBe(403);
      expect(real.text).toBe(absent.text);
    }
  });
});
