import type { NodeRequest, NodeResponse } from "../http/http-route.js";
import { requestTarget } from "../http/node-request.js";
import { abandonRequestBody } from "../http/read-request-bytes.js";
import { writeJson } from "../http/write-json.js";
import { currentRequest } from "../observability/request-context.js";
import type { Procedure } from "../procedures/procedure-table.js";
import { callRoute } from "./call-route.js";
import { answerEventStream } from "./event-stream.js";
import { errorResponse, protocolErrorResponse, type RestErrorResponse } from "./error-response.js";
import { matchRoute, type RouteMatch } from "./match-route.js";
import { buildRestRoutes } from "./routes.js";

export interface RestHandlerOptions {
  /** The largest request body read; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Ends event streams when the server drains. */
  shutdownSignal?: AbortSignal;
}

/** A request matched to a REST route, its path variables and its query. */
export type RestCall = Extract<RouteMatch, { kind: "found" }> & { query: URLSearchParams };

/**
 * REST/JSON transcoding of the procedure table, driven by the methods'
 * google.api.http annotations: the route table is built once, here, so that
 * a broken annotation stops the server at start-up. Matching and answering
 * are apart, so that the server admits the caller in between, before the
 * body is read.
 */
export interface RestTranscoder {
  /** The route of a request; "none" when its path is not a REST path. */
  match(request: NodeRequest): RestCall | Exclude<RouteMatch, { kind: "found" }>;
  /** Reads the body, calls the procedure and writes its answer or its error. */
  answer(call: RestCall, request: NodeRequest, response: NodeResponse): Promise<void>;
  /** 405 with Allow, for a REST path and the wrong method. */
  refuseMethod(allowed: string[], request: NodeRequest, response: NodeResponse): void;
}

const defaultMaxBodyBytes = 1024 * 1024;

export function createRestTranscoder(procedures: readonly Procedure[], options: RestHandlerOptions = {}): RestTranscoder {
  const routes = buildRestRoutes(procedures);
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  return {
    match(request) {
      const { path, query } = requestTarget(request);
      const match = matchRoute(routes, request.method ?? "", path);
      return match.kind === "found" ? { ...match, query } : match;
    },
    async answer({ route, variables, query }, request, response) {
      try {
        const call = { route, variables, query, request, response, maxBodyBytes, shutdownSignal: options.shutdownSignal };
        if (route.handler.kind === "server_streaming") {
          await answerEventStream(call, (failure) => writeError(response, failure));
          return;
        }
        const answer = await callRoute(call);
        writeJson(response, answer.status, answer.body, answer.headers);
      } catch (error) {
        const failure = errorResponse(error);
        if (failure.body.error === "request_too_large") abandonRequestBody(request, response);
        // Failures of the procedure itself were logged by its chain.
        if (failure.body.error === "internal_error" && currentRequest()?.rpcStatus === undefined) throw error;
        writeError(response, failure);
      }
    },
    refuseMethod(allowed, request, response) {
      response.setHeader("allow", allowed.join(", "));
      writeError(response, protocolErrorResponse("method_not_allowed", `${requestTarget(request).path} answers ${allowed.join(", ")} only`));
    },
  };
}

/**
 * The transcoder on its own, for a server that asks nobody who they are:
 * answers a request when its path is a REST path, and resolves false to let
 * the caller route it elsewhere.
 */
export function createRestHandler(procedures: readonly Procedure[], options: RestHandlerOptions = {}) {
  const rest = createRestTranscoder(procedures, options);
  return async (request: NodeRequest, response: NodeResponse): Promise<boolean> => {
    const match = rest.match(request);
    if (match.kind === "none") return false;
    if (match.kind === "wrong_method") rest.refuseMethod(match.allowed, request, response);
    else await rest.answer(match, request, response);
    return true;
  };
}

/** The REST 404 body (docs/api.md), for the server to answer paths that neither REST nor Connect serves. */
export function restNotFound(response: NodeResponse): void {
  writeError(response, protocolErrorResponse("not_found", "no such path"));
}

function writeError(response: NodeResponse, { status, body, headers }: RestErrorResponse): void {
  writeJson(response, status, { ...body }, headers);
}
