import { fromBinary } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import type { ServerReflectionResponse } from "../gen/grpc/reflection/v1/reflection_pb.js";
import { bufCurl } from "./support/buf-curl.js";
import { http1Request, http2Request } from "./support/http-clients.js";
import { askReflection } from "./support/reflection-client.js";
import type { ServerProcess } from "./support/sched-process.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

const notFound = 5;

let server: ServerProcess;
let served: ServedDatabase | undefined;

beforeAll(async () => {
  served = await startServedDatabase("server_reflection");
  server = served.server;
});

afterAll(async () => {
  await served?.close();
});

function fileNames(answer: ServerReflectionResponse | undefined): string[] {
  return filesOf(answer).map((file) => file.name);
}

function filesOf(answer: ServerReflectionResponse | undefined): FileDescriptorProto[] {
  if (answer?.messageResponse.case !== "fileDescriptorResponse") throw new Error(`no files in ${JSON.stringify(answer)}`);
  return answer.messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

describe("grpc.reflection.v1 over gRPC", () => {
  it("lists every service the server serves", async () => {
    const [answer] = await askReflection(server.port, [{ case: "listServices", value: "" }]);
    expect(answer?.messageResponse.case).toBe("listServicesResponse");
    const names = answer?.messageResponse.case === "listServicesResponse" ? answer.messageResponse.value.service : [];
    expect(names.map(({ name }) => name).sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "sched.v1.AppointmentService",
      "sched.v1.DirectoryService",
      "sched.v1.EventService",
      "sched.v1.ScheduleService",
      "sched.v1.SlotService",
      "sched.v1.WaitlistService",
      "sched.v1.WebhookService",
    ]);
  });

  it("answers a service's file first, then every file it imports, directly or not", async () => {
    const [answer] = await askReflection(server.port, [{ case: "fileContainingSymbol", value: "sched.v1.AppointmentService" }]);
    const files = filesOf(answer);
    expect(files[0]?.name).toBe("sched/v1/appointment_service.proto");
    expect(files.map((file) => file.name)).toEqual(
      expect.arrayContaining(["google/api/annotations.proto", "google/api/http.proto", "google/protobuf/descriptor.proto",
        "google/protobuf/timestamp.proto", "sched/v1/appointment.proto", "sched/v1/http_options.proto"]),
    );
    const sent = new Set(files.map((file) => file.name));
    expect(files.flatMap((file) => file.dependency).filter((name) => !sent.has(name))).toEqual([]);
    expect(files[0]?.service.map((service) => service.name)).toEqual(["AppointmentService"]);
  });

  it("finds methods, fields, enum values, error details, files and extensions by name", async () => {
    const answers = await askReflection(server.port, [
      { case: "fileContainingSymbol", value: "sched.v1.AppointmentService.CreateAppointment" },
      { case: "fileContainingSymbol", value: "sched.v1.Patient.name" },
      { case: "fileContainingSymbol", value: "sched.v1.APPOINTMENT_STATUS_PENDING" },
      { case: "fileContainingSymbol", value: "google.rpc.ErrorInfo" },
      { case: "fileByFilename", value: "google/protobuf/timestamp.proto" },
      { case: "fileContainingExtension", value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 72295728 } },
      { case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" },
    ]);
    expect(answers.slice(0, 6).map((answer) => fileNames(answer)[0])).toEqual([
      "sched/v1/appointment_service.proto",
      "sched/v1/directory.proto",
      "sched/v1/appointment.proto",
      "google/rpc/error_details.proto",
      "google/protobuf/timestamp.proto",
      "google/api/annotations.proto",
    ]);
    expect(answers[6]?.messageResponse).toMatchObject({
      case: "allExtensionNumbersResponse",
      value: { baseTypeName: "google.protobuf.MethodOptions", extensionNumber: expect.arrayContaining([72295728]) },
    });
  });

  it("answers an unknown name with an error_response NOT_FOUND and keeps the stream open", async () => {
    const answers = await askReflection(server.port, [
      { case: "fileContainingSymbol", value: "sched.v1.NoSuchService" },
      { case: "fileByFilename", value: "no/such/file.proto" },
      { case: "listServices", value: "" },
    ]);
    expect(answers.map((answer) => answer.messageResponse.case)).toEqual(["errorResponse", "errorResponse", "listServicesResponse"]);
    for (const answer of answers.slice(0, 2)) expect(answer.messageResponse.value).toMatchObject({ errorCode: notFound });
  });
});

describe("buf curl with reflection and no schema", () => {
  it("lists the methods", async () => {
    const listed = await bufCurl(["--list-methods", server.url]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split("\n")).toContain("sched.v1.AppointmentService/CreateAppointment");
  });

  it("creates a patient and reads it back", async () => {
    const created = await bufCurl([`${server.url}/sched.v1.DirectoryService/CreatePatient`, "-d", '{"name":"Curl Patient"}']);
    expect(created.code, created.stderr).toBe(0);
    const { patient } = JSON.parse(created.stdout) as { patient: { id: string; name: string } };
    expect(patient).toMatchObject({ id: expect.any(String), name: "Curl Patient" });

    const read = await bufCurl([`${server.url}/sched.v1.DirectoryService/GetPatient`, "-d", JSON.stringify({ id: patient.id })]);
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual({ patient });
  });

  it("exits non-zero and prints the error with its reason for a malformed id", async () => {
    const failed = await bufCurl([`${server.url}/sched.v1.AppointmentService/GetAppointment`, "-d", '{"id":"not-a-uuid"}']);
    expect(failed.code).not.toBe(0);
    const printed = JSON.parse(failed.stderr) as { code: string; details: Array<{ type: string; value: string }> };
    expect(printed.code).toBe("invalid_argument");
    const detail = printed.details.find(({ type }) => type === "google.rpc.ErrorInfo");
    expect(detail).toBeDefined();
    expect(fromBinary(ErrorInfoSchema, base64Decode(detail!.value)).reason).toBe("invalid_appointment_id");
  });
});

describe("grpc.reflection.v1alpha, for older grpcurl and buf curl --reflect-protocol grpc-v1alpha", () => {
  it("lists the methods and serves a call described by it", async () => {
    const v1alpha = ["--reflect-protocol", "grpc-v1alpha"];
    const listed = await bufCurl([...v1alpha, "--list-methods", server.url]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split("\n")).toContain("sched.v1.DirectoryService/CreatePatient");
    const created = await bufCurl([...v1alpha, `${server.url}/sched.v1.DirectoryService/CreatePatient`, "-d", '{"name":"Alpha Patient"}']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ patient: { name: "Alpha Patient" } });
  });
});

describe("a method the server does not have", () => {
  const emptyMessage = Buffer.from([0, 0, 0, 0, 0]).toString("latin1");

  it.each([
    ["gRPC", "application/grpc", http2Request],
    ["gRPC+proto", "application/grpc+proto", http2Request],
    ["gRPC-Web over HTTP/1.1", "application/grpc-web+proto", http1Request],
  ] as const)("is grpc-status 12 UNIMPLEMENTED over %s, not a 404 with JSON", async (_, contentType, send) => {
    const answer = await send(server.port, {
      method: "POST",
      path: "/sched.v1.DirectoryService/NoSuchMethod",
      headers: { "content-type": contentType, te: "trailers" },
      body: emptyMessage,
    });
    expect({ status: answer.status, grpcStatus: answer.headers["grpc-status"], body: answer.body }).toEqual({
      status: 200,
      grpcStatus: "12",
      body: "",
    });
    expect(decodeURIComponent(String(answer.headers["grpc-message"]))).toBe("unknown method sched.v1.DirectoryService.NoSuchMethod");
  });

  it("is still REST's 404 for a request that is not gRPC", async () => {
    const answer = await http1Request(server.port, { method: "POST", path: "/sched.v1.DirectoryService/NoSuchMethod", body: "{}" });
    expect({ status: answer.status, body: JSON.parse(answer.body) }).toEqual({ status: 404, body: { error: "not_found", details: "no such path" } });
  });
});
