import { protocolErrorResponse } from "../rest/error-response.js";
import type { HttpRoute } from "../http/http-route.js";
import { requestTarget } from "../http/node-request.js";
import { writeJson } from "../http/write-json.js";
import type { DependencyProbes } from "./dependency-probes.js";
import { checkReadiness, readinessHttpStatus } from "./readiness.js";

// A probe must see the process as it is now, never a cached answer.
const noStore = new Headers({ "cache-control": "no-store" });

/**
 * GET /health/live checks nothing but the process; GET /health/ready checks
 * the dependencies, so that a load balancer stops sending traffic to an
 * instance that cannot reach PostgreSQL.
 */
export function healthRoutes(probes: DependencyProbes): HttpRoute {
  return async (req, res) => {
    const { path } = requestTarget(req);
    if (path !== "/health/live" && path !== "/health/ready") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      // As the REST routes answer a known path asked with another method.
      const { status, body } = protocolErrorResponse("method_not_allowed", `${path} answers GET, HEAD only`);
      res.setHeader("allow", "GET, HEAD");
      writeJson(res, status, { ...body }, noStore);
      return true;
    }
    switch (path) {
      case "/health/live":
        writeJson(res, 200, { status: "ok", uptime_seconds: Math.floor(process.uptime()) }, noStore);
        return true;
      case "/health/ready": {
        const readiness = await checkReadiness(probes);
        writeJson(res, readinessHttpStatus(readiness), { ...readiness }, noStore);
        return true;
      }
      default:
        return false;
    }
  };
}
