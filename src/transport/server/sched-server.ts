import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "../../core/ports/logger.js";
import type { DependencyProbes } from "../health/dependency-probes.js";
import { grpcUnaryRoute } from "../grpc/grpc-unary-route.js";
import { answerUnknownGrpcMethod } from "../grpc/grpc-unimplemented.js";
import { grpcHealthBinding } from "../health/grpc-health-service.js";
import type { WatchStreamLimitsOptions } from "../health/watch-stream-limits.js";
import { healthRoutes } from "../health/health-routes.js";
import { metricsRoute } from "../observability/metrics-route.js";
import { observedBindings } from "../observability/observed-bindings.js";
import { currentRequest } from "../observability/request-context.js";
import { createRequestLog } from "../observability/request-log.js";
import type { ServerMetrics } from "../observability/server-metrics.js";
import { grpcReflectionBindings } from "../reflection/grpc-reflection-service.js";
import { createRestHandler, restNotFound } from "../rest/rest-handler.js";
import type { Authenticate } from "../security/authenticate.js";
import { clientAddressValues } from "../security/client-address.js";
import type { AuthorizeHeaders } from "../security/metrics-access.js";
import { registerBindings, schedServiceBindings } from "../services/bindings.js";
import type { CoreServices } from "../../core/services/core-services.js";
import type { NodeRequest, NodeResponse } from "../http/http-route.js";
import { createRequestHandler } from "./request-handler.js";
import { startServer, type RunningServer, type ServerTimeouts } from "./start-server.js";
import { strictJsonOptions } from "./strict-json-options.js";

export interface SchedServerOptions {
  core: CoreServices;
  probes: DependencyProbes;
  metrics: ServerMetrics;
  logger: Logger;
  port: number;
  host?: string;
  /** The largest request body any protocol accepts. */
  maxBodyBytes?: number;
  timeouts?: Partial<ServerTimeouts>;
  /** PEM certificate and key; cleartext without them. */
  tls?: { cert: Buffer; key: Buffer };
  /** Who calls each RPC (and whether they may, now); everybody is anonymous without it. */
  authenticate?: Authenticate;
  /** Guards /metrics; open without it. */
  authorizeMetrics?: AuthorizeHeaders;
  /** Bounds on open health Watch streams; defaultWatchLimits without it. */
  watchLimits?: WatchStreamLimitsOptions;
}

const defaultMaxBodyBytes = 1024 * 1024;

/** The whole API on one port: health, metrics, REST, Connect, gRPC-Web and gRPC. */
export async function startSchedServer(options: SchedServerOptions): Promise<RunningServer> {
  const { core, probes, metrics, logger, maxBodyBytes = defaultMaxBodyBytes } = options;
  // Ends long-lived calls (health Watch) when the server drains; unary calls
  // under way ignore it and finish.
  const shutdown = new AbortController();
  const observer = { metrics, logger };
  const services = observedBindings(schedServiceBindings(core, options.authenticate), observer);
  const health = grpcHealthBinding({
    probes,
    services: services.map(({ service }) => service.typeName),
    watchLimits: options.watchLimits,
  });
  const reflection = grpcReflectionBindings([...services, health].map(({ service }) => service));
  const grpcStandard = observedBindings([health, ...reflection], observer);
  const rpc = connectNodeAdapter({
    routes: (router) => registerBindings(router, [...services, ...grpcStandard]),
    readMaxBytes: maxBodyBytes,
    jsonOptions: strictJsonOptions,
    // connect-node types the request structurally; it is the one we handed it.
    contextValues: (req) => clientAddressValues(req as NodeRequest),
    shutdownSignal: shutdown.signal,
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
  const handler = createRequestHandler({
    routes: [
      healthRoutes(probes),
      metricsRoute(metrics.registry, options.authorizeMetrics),
      grpcUnaryRoute(services, { maxBodyBytes, shutdownSignal: shutdown.signal }),
      createRestHandler(services, { maxBodyBytes, logger }),
    ],
    rpc,
    requestLog: createRequestLog(observer),
    logger,
  });
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
