import { Code } from "@connectrpc/connect";
import type { RpcStatus } from "./request-context.js";

/** "ok", "not_found", "failed_precondition": gRPC's code names as the Connect protocol spells them. */
export function rpcStatusName(status: RpcStatus): string {
  if (status === "ok") return "ok";
  const name = Code[status] as string | undefined;
  return name === undefined ? "unknown" : name.replace(/(?<=[a-z])(?=[A-Z])/g, "_").toLowerCase();
}

const serverFaults: ReadonlySet<Code> = new Set([Code.Internal, Code.Unknown, Code.DataLoss]);

/** Whether a failure is ours to investigate, rather than the caller's or a dependency's. */
export function isServerFault(status: RpcStatus): boolean {
  return status !== "ok" && serverFaults.has(status);
}
