import type { ConnectRouter } from "@connectrpc/connect";
import type { Procedure } from "./procedure-table.js";

/** Hands connect-node's router every procedure of the table, chain included. */
export function registerProcedures(router: ConnectRouter, procedures: readonly Procedure[]): void {
  for (const { spec } of procedures) router.rpc(spec.method, spec.impl);
}
