import type { Caller } from "../../src/core/access/caller.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import type { CoreServices } from "../../src/core/services/core-services.js";
import { runWithRequest } from "../../src/transport/observability/request-context.js";
import { createServerMetrics } from "../../src/transport/observability/server-metrics.js";
import type { NodeRequest, NodeResponse } from "../../src/transport/http/http-route.js";
import { procedureChain } from "../../src/transport/procedures/procedure-chain.js";
import { ProcedureTable, type Procedure } from "../../src/transport/procedures/procedure-table.js";
import type { Admit } from "../../src/transport/security/admission.js";
import { createSchedHandler } from "../../src/transport/server/sched-server.js";
import { defaultStreamsPerAddress } from "../../src/transport/services/event-service.js";
import { schedServices } from "../../src/transport/services/sched-services.js";

const dependenciesUp = { postgres: () => Promise.resolve(true), redis: () => Promise.resolve(true) };

/** Every protocol of the server as one Node handler, without a socket of its own. */
export function schedHandler(core: CoreServices, admit?: Admit): (req: NodeRequest, res: NodeResponse) => void {
  return createSchedHandler({ core, admit, probes: dependenciesUp, metrics: createServerMetrics(), logger: silentLogger });
}

/** The sched services' procedures, chain included, for a protocol's handler tried on its own. */
export function schedProcedures(core: CoreServices): readonly Procedure[] {
  return new ProcedureTable(schedServices(core, { streamsPerAddress: defaultStreamsPerAddress }), procedureChain({ metrics: createServerMetrics(), logger: silentLogger })).procedures;
}

/** Runs a handler tried on its own as the server runs it once `caller` is admitted. */
export function asCaller<T>(caller: Caller, run: () => T): T {
  return runWithRequest({ requestId: "test", protocol: "rest", caller }, run);
}
