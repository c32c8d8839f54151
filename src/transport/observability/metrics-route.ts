import type { Registry } from "prom-client";
import { requestPath, type HttpRoute } from "../server/http-route.js";

/** GET /metrics in Prometheus' text format. */
export function metricsRoute(registry: Registry): HttpRoute {
  return async (req, res) => {
    if (req.method !== "GET" || requestPath(req) !== "/metrics") return false;
    const text = await registry.metrics();
    res.setHeader("content-type", registry.contentType);
    res.end(text);
    return true;
  };
}
