import { AsyncLocalStorage } from "node:async_hooks";
import type { Code, ConnectError } from "@connectrpc/connect";
import type { Caller } from "../../core/access/caller.js";

export type Protocol = "rest" | "connect" | "grpc" | "grpc-web";

/** An RPC's outcome: "ok", or the code it failed with. */
export type RpcStatus = "ok" | Code;

/**
 * What the layers answering one request learn about it, gathered for its log
 * line and its metrics. The service layer writes into it through the async
 * context, so that REST and RPC calls are described alike without either
 * transport passing it down.
 */
export interface RequestRecord {
  readonly requestId: string;
  protocol: Protocol;
  /** "/sched.v1.DirectoryService/CreatePatient" once a service method ran, for REST calls too. */
  procedure?: string;
  rpcStatus?: RpcStatus;
  error?: ConnectError;
  /** Who calls, once admitted from the headers; the handler context carries it to the core. */
  caller?: Caller;
}

const storage = new AsyncLocalStorage<RequestRecord>();

export function runWithRequest<T>(record: RequestRecord, run: () => T): T {
  return storage.run(record, run);
}

export function currentRequest(): RequestRecord | undefined {
  return storage.getStore();
}

/** Fields every log line written while serving a request carries: a pino mixin. */
export function requestLogFields(): Record<string, unknown> {
  const record = storage.getStore();
  return record === undefined ? {} : { request_id: record.requestId };
}
