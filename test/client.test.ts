import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { createCoreRuntime, type CoreRuntime } from "../src/app/core-runtime.js";
import { createSchedClient, errorReason, AppointmentStatus, type SchedProtocol } from "../src/client/index.js";
import { loadConfig } from "../src/config/config.js";
import { silentLogger } from "../src/core/ports/logger.js";
import { schedHandler } from "./support/sched-handler.js";
import { testSlotHorizonDays } from "./support/sched-process.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

// The exported client against the Connect handlers over real sockets: gRPC
// and gRPC-Web over h2c, Connect over HTTP/2 and HTTP/1.1.

let database: TestDatabase;
let runtime: CoreRuntime;
let h2: http2.Http2Server;
let h1: http.Server;
let h2Url: string;
let h1Url: string;
const sessions = new Set<http2.ServerHttp2Session>();

beforeAll(async () => {
  database = await createTestDatabase("client");
  await migrate(database.dsn);
  const config = loadConfig({ env: { POSTGRES_DSN: database.dsn, SLOT_HORIZON_DAYS: testSlotHorizonDays }, cwd: database.name });
  runtime = createCoreRuntime({ config, logger: silentLogger, lock: new InProcessSlotLock({ lockTtlMs: 5_000 }) });
  const handler = schedHandler(runtime.core);
  h2 = http2.createServer(handler);
  h2.on("session", (session) => sessions.add(session));
  h1 = http.createServer(handler);
  await Promise.all([new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve)), new Promise<void>((resolve) => h1.listen(0, "127.0.0.1", resolve))]);
  h2Url = `http://127.0.0.1:${(h2.address() as AddressInfo).port}`;
  h1Url = `http://127.0.0.1:${(h1.address() as AddressInfo).port}`;
});

afterAll(async () => {
  // The clients keep their HTTP/2 sessions and keep-alive sockets open.
  for (const session of sessions) session.destroy();
  h1.closeAllConnections();
  await new Promise((resolve) => h2.close(resolve));
  await new Promise((resolve) => h1.close(resolve));
  await runtime.close();
  await database.drop();
});

const variants: { protocol: SchedProtocol; httpVersion: "1.1" | "2" }[] = [
  { protocol: "grpc", httpVersion: "2" },
  { protocol: "grpc-web", httpVersion: "2" },
  { protocol: "connect", httpVersion: "2" },
  { protocol: "connect", httpVersion: "1.1" },
];

describe.each(variants)("createSchedClient over $protocol, HTTP/$httpVersion", ({ protocol, httpVersion }) => {
  it("books, confirms and reads an appointment, and tells refusals apart by reason", async () => {
    const client = createSchedClient({ baseUrl: httpVersion === "2" ? h2Url : h1Url, protocol, httpVersion });
    const { patient } = await client.directory.createPatient({ name: `Patient over ${protocol}` });
    const other = await client.directory.createPatient({ name: "Second patient" });
    const { clinician } = await client.directory.createClinician({ name: "Dr Client", specialty: "radiology" });
    const start = Date.parse("2032-02-02T09:00:00Z") + variants.findIndex((v) => v.protocol === protocol && v.httpVersion === httpVersion) * 3_600_000;
    const { slots } = await client.slots.createSlots({
      slots: [
        {
          clinicianId: clinician!.id,
          startTime: { seconds: BigInt(start / 1000), nanos: 0 },
          endTime: { seconds: BigInt(start / 1000 + 1800), nanos: 0 },
        },
      ],
    });
    const slotId = slots[0]!.id;

    const { appointment } = await client.appointments.createAppointment({ slotId, patientId: patient!.id });
    expect(appointment?.status).toBe(AppointmentStatus.PENDING);
    const confirmed = await client.appointments.confirmAppointment({ id: appointment!.id });
    expect(confirmed.appointment?.status).toBe(AppointmentStatus.CONFIRMED);
    expect(confirmed.appointment?.expiresAt).toBeUndefined();

    const read = await client.appointments.getAppointment({ id: appointment!.id });
    expect(read.appointment).toMatchObject({ id: appointment!.id, patient: { id: patient!.id }, clinician: { specialty: "radiology" } });

    const refused = await client.appointments.createAppointment({ slotId, patientId: other.patient!.id }).catch((error: unknown) => error);
    expect(errorReason(refused)).toBe("slot_already_booked");
    const malformed = await client.appointments.getAppointment({ id: "nope" }).catch((error: unknown) => error);
    expect(errorReason(malformed)).toBe("invalid_appointment_id");
  });

  it("sends the idempotency key as metadata and gets the first answer back", async () => {
    const client = createSchedClient({ baseUrl: httpVersion === "2" ? h2Url : h1Url, protocol, httpVersion });
    const { patient } = await client.directory.createPatient({ name: "Retrying patient" });
    const { clinician } = await client.directory.createClinician({ name: "Dr Retry" });
    const { slots } = await client.slots.createSlots({
      clinicianId: clinician!.id,
      startTime: { seconds: 2_000_000_000n, nanos: 0 },
      endTime: { seconds: 2_000_001_800n, nanos: 0 },
      capacity: 2,
    });
    const headers = { "idempotency-key": `key-${protocol}-${httpVersion}` };
    const first = await client.appointments.createAppointment({ slotId: slots[0]!.id, patientId: patient!.id }, { headers });
    const again = await client.appointments.createAppointment({ slotId: slots[0]!.id, patientId: patient!.id }, { headers });
    expect(again.appointment?.id).toBe(first.appointment?.id);
  });
});

describe("the package export", () => {
  it("is importable as sched/client, as another service would import it", async () => {
    const exported = (await import("sched/client" as string)) as Record<string, unknown>;
    expect(typeof exported.createSchedClient).toBe("function");
    expect(typeof exported.errorReason).toBe("function");
    expect(exported.AppointmentService).toBeDefined();
  });
});
