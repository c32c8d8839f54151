import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "../../../gen/health/v1/health_pb.js";
import type { ServiceBinding } from "../services/bindings.js";
import type { DependencyProbes } from "./dependency-probes.js";

export interface GrpcHealthOptions {
  probes: DependencyProbes;
  /** Full names of the services served; "" stands for the whole server. */
  services: string[];
  /** How often Watch looks for a change; defaults to 5 s. */
  watchIntervalMs?: number;
}

/**
 * grpc.health.v1.Health. Every service is as healthy as PostgreSQL: without
 * it nothing can be served, while Redis being down only degrades bookings.
 */
export function grpcHealthBinding({ probes, services, watchIntervalMs = 5_000 }: GrpcHealthOptions): ServiceBinding {
  const known = new Set(["", ...services]);
  const serving = async (): Promise<ServingStatus> =>
    (await probes.postgres()) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  const response = (status: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status });

  const implementation: ServiceImpl<typeof Health> = {
    async check({ service }) {
      if (!known.has(service)) throw new ConnectError(`unknown service ${service}`, Code.NotFound);
      return response(await serving());
    },
    // Sends the current status, then each change, until the client leaves or
    // the server shuts down (the context's signal covers both).
    async *watch({ service }, context) {
      if (!known.has(service)) {
        yield response(ServingStatus.SERVICE_UNKNOWN);
        await untilAborted(context);
        return;
      }
      let last: ServingStatus | undefined;
      while (!context.signal.aborted) {
        const status = await serving();
        if (status !== last) yield response(status);
        last = status;
        await pause(watchIntervalMs, context);
      }
    },
    async list() {
      const status = await serving();
      return { statuses: Object.fromEntries([...known].map((name) => [name, response(status)])) };
    },
  };
  return { service: Health, implementation: implementation as unknown as ServiceBinding["implementation"] };
}

function untilAborted(context: HandlerContext): Promise<void> {
  return pause(Number.POSITIVE_INFINITY, context);
}

function pause(ms: number, { signal }: HandlerContext): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    signal.addEventListener("abort", done);
  });
}
