import { Code, ConnectError, createClient, createHandlerContext } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/health/v1/health_pb.js";
import { grpcHealthService } from "../src/transport/health/grpc-health-service.js";
import type { NodeRequest } from "../src/transport/http/http-route.js";
import { clientAddressValues } from "../src/transport/security/client-address.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";

/*
 * grpc.health.v1.Health/Watch streams live as long as their client wants.
 * An attack opened a thousand on one h2c connection, each polling PostgreSQL
 * on its own: the probe is now one per process whoever watches, and the
 * streams are bounded per connection and per client address.
 */

type Watch = (request: { service: string }, context: unknown) => AsyncIterable<{ status: ServingStatus }>;

describe("one probe per process", () => {
  it("lets 50 watchers share one probe loop, and stops probing when the last one leaves", async () => {
    let probes = 0;
    const binding = grpcHealthService({
      probes: { postgres: async () => (probes += 1) > 0, redis: undefined },
      services: [],
      watchIntervalMs: 20,
      watchLimits: { perConnection: 100, perAddress: 100 },
    });
    const watch = binding.methods.find((spec) => spec.method.localName === "watch")!.impl as unknown as Watch;
    const leave = new AbortController();
    const firsts = await Promise.all(
      Array.from({ length: 50 }, async () => {
        // A connection of its own for each watcher, as 50 clients would have.
        const request = { socket: { remoteAddress: "10.0.0.7" } } as unknown as NodeRequest;
        const context = createHandlerContext({
          service: Health,
          method: Health.method.watch,
          protocolName: "grpc",
          requestMethod: "POST",
          url: "http://sched/grpc.health.v1.Health/Watch",
          requestSignal: leave.signal,
          contextValues: clientAddressValues(request),
        });
        const stream = watch({ service: "" }, context)[Symbol.asyncIterator]();
        const first = await stream.next();
        void stream.next().catch(() => undefined);
        return first.value?.status;
      }),
    );
    expect(firsts).toEqual(firsts.map(() => ServingStatus.SERVING));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // About ten intervals passed: one loop probes about ten times; one loop per watcher would have probed about 500.
    const whileWatched = probes;
    expect(whileWatched).toBeGreaterThan(1);
    expect(whileWatched).toBeLessThan(50);
    leave.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const afterLeaving = probes;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(probes).toBe(afterLeaving);
  });
});

describe("Watch streams over gRPC", () => {
  let served: ServedDatabase;

  beforeAll(async () => {
    served = await startServedDatabase("health_watch_limits", { HEALTH_WATCH_MAX_PER_CONNECTION: "3", HEALTH_WATCH_MAX_PER_ADDRESS: "5" });
  });

  afterAll(async () => {
    await served?.close();
  });

  /** A client with an HTTP/2 session of its own. */
  function connection() {
    return createClient(Health, createGrpcTransport({ baseUrl: served.server.url }));
  }

  /** Opens a Watch and reads its first answer: the status, or the error that refused the stream. */
  async function open(client: ReturnType<typeof connection>, streams: AbortController[]): Promise<ServingStatus | Code> {
    const abort = new AbortController();
    streams.push(abort);
    const iterator = client.watch({ service: "" }, { signal: abort.signal })[Symbol.asyncIterator]();
    try {
      const first = await iterator.next();
      return first.value!.status;
    } catch (error) {
      return ConnectError.from(error).code;
    }
  }

  it("are bounded per connection and per client address, and a closed stream frees its place", async () => {
    const streams: AbortController[] = [];
    try {
      const first = connection();
      const onFirst = [];
      for (let index = 0; index < 4; index += 1) onFirst.push(await open(first, streams));
      expect(onFirst).toEqual([ServingStatus.SERVING, ServingStatus.SERVING, ServingStatus.SERVING, Code.ResourceExhausted]);

      const second = connection();
      const onSecond = [];
      for (let index = 0; index < 3; index += 1) onSecond.push(await open(second, streams));
      expect(onSecond).toEqual([ServingStatus.SERVING, ServingStatus.SERVING, Code.ResourceExhausted]);

      streams[0]!.abort();
      await expect.poll(() => open(second, streams), { timeout: 5_000 }).toBe(ServingStatus.SERVING);
      // Check stays open to everybody.
      expect((await first.check({ service: "" })).status).toBe(ServingStatus.SERVING);
    } finally {
      for (const stream of streams) stream.abort();
    }
  });
});
