import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/*
 * A gRPC client that shares no code with the server: @grpc/grpc-js for the
 * wire, @grpc/proto-loader (protobufjs) reading the .proto files of proto/
 * itself, the way any third-party service would use the contract.
 */

const repository = new URL("../../", import.meta.url);

export const protoLoaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [
    fileURLToPath(new URL("proto/", repository)),
    fileURLToPath(new URL("node_modules/google-proto-files/", repository)),
    fileURLToPath(new URL("./proto/", import.meta.url)),
  ],
};

const definition = protoLoader.loadSync(
  [
    "sched/v1/appointment_service.proto",
    "sched/v1/slot_service.proto",
    "sched/v1/directory_service.proto",
    "rpc_status_codec.proto",
  ],
  protoLoaderOptions,
);
const loaded = grpc.loadPackageDefinition(definition);

function serviceConstructor(fullName: string): grpc.ServiceClientConstructor {
  let node: unknown = loaded;
  for (const part of fullName.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== "function") throw new Error(`${fullName} is not a service of the loaded .proto files`);
  return node as grpc.ServiceClientConstructor;
}

export type SchedServiceName = "AppointmentService" | "SlotService" | "DirectoryService";

/** A @grpc/grpc-js client of one sched.v1 service, built from the .proto files. */
export function protoLoaderClient(service: SchedServiceName, port: number): grpc.Client {
  const Client = serviceConstructor(`sched.v1.${service}`);
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: unknown) => void,
) => grpc.ClientUnaryCall;

/** Calls a unary method by its proto name (keepCase: requests and responses use snake_case fields). */
export function protoLoaderUnary<T = Record<string, unknown>>(
  client: grpc.Client,
  method: string,
  request: object,
  metadata = new grpc.Metadata(),
): Promise<T> {
  const call = (client as unknown as Record<string, UnaryMethod | undefined>)[method];
  if (typeof call !== "function") throw new Error(`no method ${method} on this client`);
  return new Promise((resolve, reject) => {
    call.call(client, request, metadata, { deadline: Date.now() + 10_000 }, (error, response) => {
      if (error) reject(error);
      else resolve(response as T);
    });
  });
}

const statusCodec = (definition["testsupport.RpcStatusCodec"] as protoLoader.ServiceDefinition).Decode!;

export interface DecodedStatus {
  code: number;
  message: string;
  details: { type_url: string; value: Buffer }[];
}

export interface DecodedErrorInfo {
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

/** The google.rpc.Status of a failed call's grpc-status-details-bin trailer, if it has one. */
export function statusDetails(error: grpc.ServiceError): DecodedStatus | undefined {
  const [bytes] = error.metadata.get("grpc-status-details-bin");
  if (!(bytes instanceof Buffer)) return undefined;
  return statusCodec.requestDeserialize(bytes) as DecodedStatus;
}

/** Every google.rpc.ErrorInfo packed in the trailer's Status. */
export function errorInfos(error: grpc.ServiceError): DecodedErrorInfo[] {
  const status = statusDetails(error);
  if (status === undefined) return [];
  return status.details
    .filter((any) => any.type_url.replace(/^.*\//, "") === "google.rpc.ErrorInfo")
    .map((any) => statusCodec.responseDeserialize(any.value) as DecodedErrorInfo);
}
