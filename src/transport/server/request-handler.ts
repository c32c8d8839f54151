import type { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "../../core/ports/logger.js";
import type { HttpRoute, NodeRequest, NodeResponse } from "../http/http-route.js";
import { requestHeaders, requestTarget } from "../http/node-request.js";
import { requestIdOf } from "../http/request-id.js";
import { writeJson } from "../http/write-json.js";
import { runWithRequest, type Protocol, type RequestRecord } from "../observability/request-context.js";
import type { RequestLog } from "../observability/request-log.js";
import type { Procedure, ProcedureTable } from "../procedures/procedure-table.js";
import type { RestTranscoder } from "../rest/rest-handler.js";
import type { Admit } from "../security/admission.js";
import { clientAddress } from "../security/client-address.js";
import { refuseCall } from "./refuse-call.js";

export interface RequestHandlerOptions {
  /** Plain HTTP routes tried first, in order (health, metrics); the first that answers ends the request. */
  routes: HttpRoute[];
  procedures: ProcedureTable;
  rest: RestTranscoder;
  /** Unary gRPC over HTTP/2 with binary messages; resolves false for whatever it leaves to connect-node. */
  grpcUnary: HttpRoute;
  /** Connect, gRPC and gRPC-Web; answers whatever else, unknown paths included. */
  rpc: ReturnType<typeof connectNodeAdapter>;
  admit: Admit;
  requestLog: RequestLog;
  logger: Logger;
}

/** A request whose procedure is known, and how its protocol answers it. */
interface Dispatch {
  protocol: Protocol;
  procedure: Procedure | undefined;
  answer(): Promise<void> | void;
}

/**
 * The one handler both the HTTP/1.1 and the HTTP/2 server call, and the one
 * chain every call goes through, whatever its protocol:
 *
 * 1. request context: its id (answered as X-Request-ID) and its record, which
 *    the log line and the metrics read when the answer ends;
 * 2. plain routes (health, metrics);
 * 3. the procedure, from the REST route table or the RPC path;
 * 4. admission from the headers alone: authentication and the rate-limit
 *    point, refused in the protocol's own form before a byte of the body is read;
 * 5. the protocol: REST, the unary gRPC route or connect-node, each calling
 *    the procedure's implementation inside its chain (procedure-chain.ts:
 *    error mapping, outcome, metrics, error log).
 */
export function createRequestHandler(options: RequestHandlerOptions) {
  const { routes, admit, requestLog, logger } = options;
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
      const dispatch = dispatchOf(req, res, options);
      record.protocol = dispatch.protocol;
      if (dispatch.procedure?.access === "caller") {
        try {
          record.caller = await admit(requestHeaders(req), clientAddress(req));
        } catch (error) {
          record.procedure = dispatch.procedure.path;
          refuseCall(dispatch.protocol, req, res, error);
          return;
        }
      }
      await dispatch.answer();
    }).catch((error: unknown) => {
      logger.error({ request_id: record.requestId, path: req.url, err: error }, "request failed");
      if (res.headersSent) res.destroy();
      else writeJson(res, 500, { error: "internal_error", details: "internal error" });
    });
  };
}

function dispatchOf(req: NodeRequest, res: NodeResponse, { procedures, rest, grpcUnary, rpc }: RequestHandlerOptions): Dispatch {
  // An RPC's path ("/sched.v1.AppointmentService/CreateAppointment") is no
  // REST route's, so a call the procedure table knows skips the route search.
  const procedure = procedures.find(requestTarget(req).path);
  if (procedure === undefined) {
    const match = rest.match(req);
    if (match.kind === "found") return { protocol: "rest", procedure: match.route.procedure, answer: () => rest.answer(match, req, res) };
    if (match.kind === "wrong_method") return { protocol: "rest", procedure: undefined, answer: () => rest.refuseMethod(match.allowed, req, res) };
  }
  return {
    protocol: rpcProtocolOf(req),
    procedure,
    answer: async () => {
      if (!(await grpcUnary(req, res))) rpc(req, res);
    },
  };
}

function rpcProtocolOf(req: NodeRequest): Protocol {
  const contentType = req.headers["content-type"] ?? "";
  if (contentType.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType.startsWith("application/grpc")) return "grpc";
  return "connect";
}
