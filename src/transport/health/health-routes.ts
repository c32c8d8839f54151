import { protocolErrorResponse } from "../rest/error-response.js";
import { requestPath, sendJson, type HttpRoute } from "../http/http-route.js";
import type { DependencyProbes } from "./dependency-probes.js";
import { checkReadiness, readinessHttpStatus } from "./readiness.js";

/**
 * GET /health/live checks nothing but the process; GET /health/ready checks
 * the dependencies, so that a load balancer stops sending traffic to an
 * instance that cannot reach PostgreSQL.
 */
export function healthRoutes(probes: DependencyProbes): HttpRoute {
  return async (req, res) => {
    const path = requestPath(req);
    if (path !== "/health/live" && path !== "/health/ready") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      // As the REST routes answer a known path asked with another method.
      const { status, body } = protocolErrorResponse("method_not_allowed", `${path} answers GET, HEAD only`);
      res.setHeader("allow", "GET, HEAD");
      sendJson(res, status, body);
      return true;
    }
    switch (path) {
      case "/health/live":
        sendJson(res, 200, { status: "ok", uptime_seconds: Math.floor(process.uptime()) });
        return true;
      case "/health/ready": {
        const readiness = await checkReadiness(probes);
        sendJson(res, readinessHttpStatus(readiness), readiness);
        return true;
      }
      default:
        return false;
    }
  };
}
