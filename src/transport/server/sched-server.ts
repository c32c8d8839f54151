import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { CoreServices } from "../../core/services/core-services.js";
import type { Logger } from "../../core/ports/logger.js";
import { grpcUnaryRoute } from "../grpc/grpc-unary-route.js";
import { answerUnknownGrpcMethod } from "../grpc/grpc-unimplemented.js";
import type { DependencyProbes } from "../health/dependency-probes.js";
import { grpcHealthService } from "../health/grpc-health-service.js";
import type { WatchStreamLimitsOptions } from "../security/watch-stream-limits.js";
import { clientAddressValues } from "../security/client-address.js";
import { healthRoutes } from "../health/health-routes.js";
import type { NodeRequest, NodeResponse } from "../http/http-route.js";
import { metricsRoute } from "../observability/metrics-route.js";
import { currentRequest } from "../observability/request-context.js";
import { createRequestLog } from "../observability/request-log.js";
import type { ServerMetrics } from "../observability/server-metrics.js";
import { procedureChain } from "../procedures/procedure-chain.js";
import { ProcedureTable } from "../procedures/procedure-table.js";
import { registerProcedures } from "../procedures/register-procedures.js";
import { grpcReflectionServices } from "../reflection/grpc-reflection-service.js";
import { createRestTranscoder, restNotFound } from "../rest/rest-handler.js";
import { openAdmission, type Admit } from "../security/admission.js";
import { withCaller } from "../security/caller-context.js";
import type { AuthorizeHeaders } from "../security/metrics-access.js";
import { defaultStreamsPerAddress } from "../services/event-service.js";
import { schedServices } from "../services/sched-services.js";
import { createRequestHandler } from "./request-handler.js";
import { startServer, type RunningServer, type ServerTimeouts } from "./start-server.js";
import { strictJsonOptions } from "./strict-json-options.js";

export interface SchedHandlerOptions {
  core: CoreServices;
  probes: DependencyProbes;
  metrics: ServerMetrics;
  logger: Logger;
  /** The largest request body any protocol accepts. */
  maxBodyBytes?: number;
  /** Who calls each RPC of the sched services (and whether they may, now); everybody is anonymous without it. */
  admit?: Admit;
  /** Guards /metrics; open without it. */
  authorizeMetrics?: AuthorizeHeaders;
  /** Bounds on open health Watch streams; defaultWatchLimits without it. */
  watchLimits?: WatchStreamLimitsOptions;
  /** The most WatchEvents streams open at once from one client address (WATCH_STREAMS_PER_ADDRESS); defaultStreamsPerAddress without it. */
  watchEventsPerAddress?: number;
}

export interface SchedServerOptions extends SchedHandlerOptions {
  port: number;
  host?: string;
  timeouts?: Partial<ServerTimeouts>;
  /** PEM certificate and key; cleartext without them. */
  tls?: { cert: Buffer; key: Buffer };
}

const defaultMaxBodyBytes = 1024 * 1024;

/**
 * Every protocol of the API as one Node request handler: health, metrics,
 * REST, Connect, gRPC-Web and gRPC. `shutdown` ends long-lived calls (health
 * Watch) when the server drains; unary calls under way ignore it and finish.
 */
export function createSchedHandler(options: SchedHandlerOptions, shutdown?: AbortSignal): (req: NodeRequest, res: NodeResponse) => void {
  const { core, probes, metrics, logger, maxBodyBytes = defaultMaxBodyBytes } = options;
  const observer = { metrics, logger };
  const sched = schedServices(core, { streamsPerAddress: options.watchEventsPerAddress ?? defaultStreamsPerAddress, metrics });
  const health = grpcHealthService({ probes, services: sched.map(({ service }) => service.typeName), watchLimits: options.watchLimits });
  const reflection = grpcReflectionServices([...sched, health].map(({ service }) => service));
  const procedures = new ProcedureTable([...sched, health, ...reflection], procedureChain(observer));
  const rpc = connectNodeAdapter({
    routes: (router) => registerProcedures(router, procedures.procedures),
    readMaxBytes: maxBodyBytes,
    jsonOptions: strictJsonOptions,
    // Called as connect-node takes the request, inside its request context.
    // connect-node types the request structurally; it is the one we handed it.
    contextValues: (req) => withCaller(clientAddressValues(req as NodeRequest), currentRequest()?.caller),
    shutdownSignal: shutdown,
    // Plain `curl -d` calls are welcome; the header only guards browsers' CORS.
    requireConnectProtocolHeader: false,
    fallback: (req, res) => {
      // connect-node types both structurally; they are the ones we handed it.
      if (answerUnknownGrpcMethod(req as NodeRequest, res as NodeResponse)) return;
      const record = currentRequest();
      if (record !== undefined) record.protocol = "rest";
      // connect-node types the response structurally; it is the one we handed it.
      restNotFound(res as NodeResponse);
    },
  });
  return createRequestHandler({
    routes: [healthRoutes(probes), metricsRoute(metrics.registry, options.authorizeMetrics)],
    procedures,
    rest: createRestTranscoder(procedures.procedures, { maxBodyBytes, shutdownSignal: shutdown }),
    grpcUnary: grpcUnaryRoute(procedures.procedures, { maxBodyBytes, shutdownSignal: shutdown }),
    rpc,
    admit: options.admit ?? openAdmission,
    requestLog: createRequestLog(observer),
    logger,
  });
}

/** The whole API on one port: health, metrics, REST, Connect, gRPC-Web and gRPC. */
export async function startSchedServer(options: SchedServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const shutdown = new AbortController();
  const handler = createSchedHandler(options, shutdown.signal);
  const server = await startServer({
    port: options.port,
    host: options.host,
    handler,
    timeouts: options.timeouts,
    tls: options.tls,
    onError: (error) => logger.error({ err: error }, "the server's socket failed"),
  });
  return {
    port: server.port,
    async close(drainMs) {
      shutdown.abort();
      await server.close(drainMs);
    },
  };
}
