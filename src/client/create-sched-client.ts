import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { AppointmentService } from "../../gen/sched/v1/appointment_service_pb.js";
import { DirectoryService } from "../../gen/sched/v1/directory_service_pb.js";
import { ScheduleService } from "../../gen/sched/v1/schedule_service_pb.js";
import { EventService } from "../../gen/sched/v1/event_service_pb.js";
import { WebhookService } from "../../gen/sched/v1/webhook_service_pb.js";
import { SlotService } from "../../gen/sched/v1/slot_service_pb.js";
import { WaitlistService } from "../../gen/sched/v1/waitlist_service_pb.js";

export type SchedProtocol = "grpc" | "connect" | "grpc-web";

export interface SchedClientOptions {
  /** Where sched serves, e.g. http://localhost:8080. */
  baseUrl: string;
  /** Default "grpc": what internal services speak. */
  protocol?: SchedProtocol;
  /** HTTP/2 for every protocol by default; Connect and gRPC-Web can also use "1.1". gRPC needs "2". */
  httpVersion?: "1.1" | "2";
  /** Runs around every call, e.g. to add an authorization header. */
  interceptors?: Interceptor[];
  /** Per-call deadline unless a call sets its own. */
  defaultTimeoutMs?: number;
  /** A bearer token sent as `authorization` with every call. */
  token?: string;
  /** PEM CA certificate(s) to trust for an https:// baseUrl, e.g. a private CA's; the system's CAs otherwise. */
  ca?: string | Buffer;
}

/** One typed client per service of the sched.v1 API, sharing one transport. */
export interface SchedClient {
  appointments: Client<typeof AppointmentService>;
  slots: Client<typeof SlotService>;
  directory: Client<typeof DirectoryService>;
  schedules: Client<typeof ScheduleService>;
  events: Client<typeof EventService>;
  webhooks: Client<typeof WebhookService>;
  waitlist: Client<typeof WaitlistService>;
}

function createTransport(options: SchedClientOptions): Transport {
  const common = {
    baseUrl: options.baseUrl,
    interceptors: [...(options.token === undefined ? [] : [bearerToken(options.token)]), ...(options.interceptors ?? [])],
    defaultTimeoutMs: options.defaultTimeoutMs,
    nodeOptions: options.ca === undefined ? undefined : { ca: options.ca },
  };
  switch (options.protocol ?? "grpc") {
    case "grpc":
      return createGrpcTransport(common);
    case "grpc-web":
      return createGrpcWebTransport({ ...common, httpVersion: options.httpVersion ?? "2" });
    case "connect":
      return createConnectTransport({ ...common, httpVersion: options.httpVersion ?? "2" });
  }
}

function bearerToken(token: string): Interceptor {
  const authorization = `Bearer ${token}`;
  return (next) => (request) => {
    request.header.set("authorization", authorization);
    return next(request);
  };
}

export function createSchedClient(options: SchedClientOptions): SchedClient {
  const transport = createTransport(options);
  return {
    appointments: createClient(AppointmentService, transport),
    slots: createClient(SlotService, transport),
    directory: createClient(DirectoryService, transport),
    schedules: createClient(ScheduleService, transport),
    events: createClient(EventService, transport),
    webhooks: createClient(WebhookService, transport),
    waitlist: createClient(WaitlistService, transport),
  };
}
