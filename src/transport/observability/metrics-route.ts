import type { Registry } from "prom-client";
import { errorResponse } from "../rest/error-response.js";
import { requestHeaders } from "../http/node-request.js";
import { writeJson } from "../rest/write-json.js";
import type { AuthorizeHeaders } from "../security/metrics-access.js";
import { requestPath, type HttpRoute } from "../http/http-route.js";

/** GET /metrics in Prometheus' text format; behind `authorize` when one is given. */
export function metricsRoute(registry: Registry, authorize?: AuthorizeHeaders): HttpRoute {
  return async (req, res) => {
    if (req.method !== "GET" || requestPath(req) !== "/metrics") return false;
    if (authorize !== undefined) {
      try {
        await authorize(requestHeaders(req), req.socket?.remoteAddress ?? "unknown");
      } catch (error) {
        const { status, body, headers } = errorResponse(error);
        writeJson(res, status, { ...body }, headers);
        return true;
      }
    }
    const text = await registry.metrics();
    res.setHeader("content-type", registry.contentType);
    res.end(text);
    return true;
  };
}
