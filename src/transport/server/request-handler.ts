import type { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "../../core/ports/logger.js";
import { runWithRequest, type Protocol, type RequestRecord } from "../observability/request-context.js";
import type { RequestLog } from "../observability/request-log.js";
import { sendJson, type HttpRoute, type NodeRequest, type NodeResponse } from "../http/http-route.js";
import { requestIdOf } from "../http/request-id.js";

export interface RequestHandlerOptions {
  /** Tried in order (health, metrics, REST); the first that answers ends the request. */
  routes: HttpRoute[];
  /** Connect, gRPC and gRPC-Web; answers whatever no route took, unknown paths included. */
  rpc: ReturnType<typeof connectNodeAdapter>;
  requestLog: RequestLog;
  logger: Logger;
}

/** The one handler both the HTTP/1.1 and the HTTP/2 server call. */
export function createRequestHandler({ routes, rpc, requestLog, logger }: RequestHandlerOptions) {
  return (req: NodeRequest, res: NodeResponse): void => {
    const record: RequestRecord = { requestId: requestIdOf(req), protocol: "rest" };
    // Set before anything is written, so that every protocol's answer carries
    // it: gRPC clients read it as response metadata.
    res.setHeader("x-request-id", record.requestId);
    requestLog(req, res, record);
    runWithRequest(record, async () => {
      for (const route of routes) {
        if (await route(req, res)) return;
      }
      record.protocol = rpcProtocolOf(req);
      rpc(req, res);
    }).catch((error: unknown) => {
      logger.error({ request_id: record.requestId, path: req.url, err: error }, "request failed");
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: "internal_error", details: "internal error" });
    });
  };
}

function rpcProtocolOf(req: NodeRequest): Protocol {
  const contentType = req.headers["content-type"] ?? "";
  if (contentType.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType.startsWith("application/grpc")) return "grpc";
  return "connect";
}
