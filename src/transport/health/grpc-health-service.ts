import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "../../../gen/health/v1/health_pb.js";
import { served, type ServedService } from "../procedures/procedure-table.js";
import { clientAddressOf, clientConnectionOf } from "../security/client-address.js";
import type { DependencyProbes } from "./dependency-probes.js";
import { ServingStatusFeed } from "./serving-status-feed.js";
import { WatchStreamLimits, type WatchStreamLimitsOptions } from "../security/watch-stream-limits.js";

export interface GrpcHealthOptions {
  probes: DependencyProbes;
  /** Full names of the services served; "" stands for the whole server. */
  services: string[];
  /** How often Watch looks for a change; defaults to 5 s. */
  watchIntervalMs?: number;
  /** Bounds on open Watch streams; defaults to defaultWatchLimits. */
  watchLimits?: WatchStreamLimitsOptions;
}

/** HEALTH_WATCH_MAX_PER_CONNECTION and HEALTH_WATCH_MAX_PER_ADDRESS unless configured. */
export const defaultWatchLimits: WatchStreamLimitsOptions = { perConnection: 10, perAddress: 100 };

/**
 * grpc.health.v1.Health. Every service is as healthy as PostgreSQL: without
 * it nothing can be served, while Redis being down only degrades bookings.
 */
export function grpcHealthService({ probes, services, watchIntervalMs = 5_000, watchLimits = defaultWatchLimits }: GrpcHealthOptions): ServedService {
  const known = new Set(["", ...services]);
  const serving = async (): Promise<ServingStatus> =>
    (await probes.postgres()) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  const feed = new ServingStatusFeed(serving, watchIntervalMs);
  const limits = new WatchStreamLimits(watchLimits);
  const response = (status: ServingStatus): HealthCheckResponse => create(HealthCheckResponseSchema, { status });

  const implementation: ServiceImpl<typeof Health> = {
    async check({ service }) {
      if (!known.has(service)) throw new ConnectError(`unknown service ${service}`, Code.NotFound);
      return response(await serving());
    },
    // Sends the current status, then each change, until the client leaves or
    // the server shuts down (the context's signal covers both).
    async *watch({ service }, context) {
      const release = limits.open(clientConnectionOf(context), clientAddressOf(context));
      if (typeof release === "string") {
        const bound = release === "connection" ? `${watchLimits.perConnection} per connection` : `${watchLimits.perAddress} per client address`;
        throw new ConnectError(`too many health Watch streams open (at most ${bound}): close one or use Check`, Code.ResourceExhausted);
      }
      try {
        if (!known.has(service)) {
          yield response(ServingStatus.SERVICE_UNKNOWN);
          await untilAborted(context);
          return;
        }
        for await (const status of feed.updates(context.signal)) yield response(status);
      } finally {
        release();
      }
    },
    async list() {
      const status = await serving();
      return { statuses: Object.fromEntries([...known].map((name) => [name, response(status)])) };
    },
  };
  return served(Health, implementation, "open");
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
