import type { Registry } from "prom-client";
import { errorResponse } from "../rest/error-response.js";
import { requestHeaders, requestTarget } from "../http/node-request.js";
import { writeJson } from "../http/write-json.js";
import type { AuthorizeHeaders } from "../security/metrics-access.js";
import type { HttpRoute } from "../http/http-route.js";

/** GET /metrics in Prometheus' text format; behind `authorize` when one is given. */
export function metricsRoute(registry: Registry, authorize?: AuthorizeHeaders): HttpRoute {
  return async (req, res) => {
    if (req.method !== "GET" || requestTarget(req).path !== "/metrics") return false;
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
