import { performance } from "node:perf_hooks";
import { Code } from "@connectrpc/connect";
import { codeFromHttpStatus } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "../../core/ports/logger.js";
import { reasonOf } from "../errors/to-connect-error.js";
import type { NodeRequest, NodeResponse } from "../http/http-route.js";
import { requestTarget } from "../http/node-request.js";
import type { RequestRecord, RpcStatus } from "./request-context.js";
import { rpcStatusName } from "./rpc-status.js";
import type { ServerMetrics } from "./server-metrics.js";

export interface RequestLogOptions {
  logger: Logger;
  metrics: ServerMetrics;
}

/** Starts timing a request; when its answer ends, writes its one log line and its metrics. */
export type RequestLog = (req: NodeRequest, res: NodeResponse, record: RequestRecord) => void;

export function createRequestLog({ logger, metrics }: RequestLogOptions): RequestLog {
  return (req, res, record) => {
    const startedAt = performance.now();
    res.once("close", () => {
      const seconds = (performance.now() - startedAt) / 1000;
      const rpcStatus = record.protocol === "rest" ? undefined : rpcStatusOf(res, record);
      const code = rpcStatus === undefined ? String(res.statusCode) : rpcStatusName(rpcStatus);
      const procedure = procedureOf(req, record);
      const labels = { protocol: record.protocol, procedure: procedure ?? fixedPathOf(req), code };
      metrics.requests.inc(labels);
      metrics.requestSeconds.observe(labels, seconds);
      logger.info(
        {
          request_id: record.requestId,
          protocol: record.protocol,
          method: req.method,
          path: requestTarget(req).path,
          procedure,
          status: res.statusCode,
          code: rpcStatus === undefined ? undefined : code,
          reason: record.error === undefined ? undefined : reasonOf(record.error),
          completed: res.writableFinished,
          duration_ms: Math.round(seconds * 1e6) / 1e3,
        },
        "request",
      );
    });
  };
}

// A gRPC status travels in the trailers, or in the headers of an answer that
// has no body; failures found before a service method ran (a malformed
// message, an unknown method) are known only there. The Connect protocol
// carries them in the HTTP status.
function rpcStatusOf(res: NodeResponse, record: RequestRecord): RpcStatus {
  if ("stream" in res && record.protocol === "grpc") {
    const sent = res.stream.sentTrailers?.["grpc-status"] ?? res.stream.sentHeaders["grpc-status"];
    if (sent !== undefined) return Number(sent) === 0 ? "ok" : (Number(sent) as Code);
  }
  if (record.rpcStatus !== undefined) return record.rpcStatus;
  if (!res.writableFinished) return Code.Canceled;
  return res.statusCode === 200 ? "ok" : codeFromHttpStatus(res.statusCode);
}

// Only paths the RPC router knows reach it with an RPC protocol: unknown ones
// are handed back as REST 404s.
function procedureOf(req: NodeRequest, record: RequestRecord): string | undefined {
  return record.procedure ?? (record.protocol === "rest" ? undefined : requestTarget(req).path);
}

// REST paths carry ids, so a metric label takes a REST call's procedure or
// one of the fixed paths, and the number of series stays bounded.
function fixedPathOf(req: NodeRequest): string {
  const path = requestTarget(req).path;
  return path === "/health/live" || path === "/health/ready" || path === "/metrics" ? path : "other";
}
