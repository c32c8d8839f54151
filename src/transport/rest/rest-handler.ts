import type { Logger } from "../../core/ports/logger.js";
import type { ServiceBinding } from "../services/bindings.js";
import { callRoute } from "./call-route.js";
import { errorResponse, protocolErrorResponse, type RestErrorResponse } from "./error-response.js";
import { matchRoute } from "./match-route.js";
import { requestTarget, type NodeRequest } from "../http/node-request.js";
import { abandonRequestBody } from "../http/read-request-bytes.js";
import { buildRestRoutes } from "./routes.js";
import { writeJson, type NodeResponse } from "./write-json.js";

export interface RestHandlerOptions {
  /** The largest request body read; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Where internal errors are reported with their cause, which their answer leaves out. */
  logger?: Logger;
}

/** Answers a request when its path is a REST path; resolves false to let the caller route it elsewhere. */
export type RestHandler = (request: NodeRequest, response: NodeResponse) => Promise<boolean>;

const defaultMaxBodyBytes = 1024 * 1024;

/**
 * REST/JSON transcoding of the bound services, driven by their google.api.http
 * annotations: the route table is built once, here, so that a broken
 * annotation stops the server at start-up.
 */
export function createRestHandler(bindings: ServiceBinding[], options: RestHandlerOptions = {}): RestHandler {
  const routes = buildRestRoutes(bindings);
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  return async (request, response) => {
    const { path, query } = requestTarget(request);
    const match = matchRoute(routes, request.method ?? "", path);
    switch (match.kind) {
      case "none":
        return false;
      case "wrong_method":
        response.setHeader("allow", match.allowed.join(", "));
        writeError(response, protocolErrorResponse("method_not_allowed", `${path} answers ${match.allowed.join(", ")} only`));
        return true;
      case "found":
        try {
          const answer = await callRoute({ route: match.route, variables: match.variables, query, request, response, maxBodyBytes });
          writeJson(response, answer.status, answer.body, answer.headers);
        } catch (error) {
          const failure = errorResponse(error);
          if (failure.body.error === "request_too_large") abandonRequestBody(request, response);
          if (failure.body.error === "internal_error") {
            options.logger?.error({ err: error, method: match.route.method.toString() }, "REST call failed");
          }
          writeError(response, failure);
        }
        return true;
    }
  };
}

/** The REST 404 body (docs/api.md), for the server to answer paths that neither REST nor Connect serves. */
export function restNotFound(response: NodeResponse): void {
  writeError(response, protocolErrorResponse("not_found", "no such path"));
}

function writeError(response: NodeResponse, { status, body, headers }: RestErrorResponse): void {
  writeJson(response, status, { ...body }, headers);
}
