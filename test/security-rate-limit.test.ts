import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall, type RestAnswer } from "./support/e2e-rest.js";
import { errorInfoReasons, grpcClient, grpcUnary } from "./support/grpc-client.js";
import { connectJson, http1Request } from "./support/http-clients.js";
import { PrivateRedis } from "./support/private-redis.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";
import { rateLimitAddress } from "../src/transport/security/rate-limit-address.js";
import { authEnv, bearer, token } from "./support/tokens.js";

// Two `sched serve` processes share a private Redis (never the machine's:
// this file kills it) and so share each caller's budget; with that Redis gone
// each process keeps limiting on its own. The window is a minute, so that no
// count depends on how fast the machine is.

const points = 10;
let redis: PrivateRedis;
let database: TestDatabase;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  redis = await PrivateRedis.start();
  database = await createTestDatabase("security_rate_limit");
  await migrate(database.dsn);
  const env = {
    POSTGRES_DSN: database.dsn,
    REDIS_URL: redis.url,
    RATE_LIMIT_POINTS: String(points),
    RATE_LIMIT_DURATION: "60s",
    METRICS_REQUIRE_AUTH: "true",
    ...authEnv,
  };
  servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
  // Counting starts in Redis only once each server's client is connected.
  for (const server of servers) await redisReadyAt(server);
}, 60_000);

async function redisReadyAt(server: ServerProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { body } = await restCall(server.url, "GET", "/health/ready");
    if (body?.checks?.redis === "ok") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("a server never reached its Redis");
}

afterAll(async () => {
  for (const server of servers) process.kill(server.pid, "SIGKILL");
  await Promise.all(servers.map((server) => server.exited));
  await redis?.stop();
  await database?.drop();
});

async function burst(callerToken: string | undefined, perServer: number, path = () => "/clinicians"): Promise<RestAnswer[]> {
  const headers = callerToken === undefined ? {} : bearer(callerToken);
  return Promise.all(
    servers.flatMap((server) =>
      Array.from({ length: perServer }, () => {
        const target = path();
        return target === "/metrics" ? metricsCall(server, headers) : restCall(server.url, "GET", target, undefined, headers);
      }),
    ),
  );
}

// /metrics answers Prometheus text when admitted, and a REST error body when not.
async function metricsCall(server: ServerProcess, headers: Record<string, string>): Promise<RestAnswer> {
  const answer = await http1Request(server.port, { path: "/metrics", headers });
  const admitted = answer.status === 200;
  if (admitted) expect(answer.body).toContain("sched_requests_total");
  const responseHeaders = new Headers(Object.entries(answer.headers).map(([name, value]) => [name, String(value)]));
  return { status: answer.status, body: admitted ? undefined : JSON.parse(answer.body), text: answer.body, headers: responseHeaders };
}

// Every other request of a burst goes to /metrics, whose token checks spend from the same budgets.
function alternating(): () => string {
  let count = 0;
  return () => (count++ % 2 === 0 ? "/clinicians" : "/metrics");
}

function expectRateLimited(answer: RestAnswer): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toEqual({ error: "rate_limited", details: "too many requests - retry later" });
  const retryAfter = Number(answer.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe("with Redis shared by two servers", () => {
  it("admits a caller's burst up to its limit across both, and answers the rest 429 with Retry-After", async () => {
    const answers = await burst(await token({ role: "staff", sub: `staff-${randomUUID()}` }), 8);
    const admitted = answers.filter((answer) => answer.status === 200);
    const limited = answers.filter((answer) => answer.status !== 200);
    expect(admitted).toHaveLength(points);
    expect(limited).toHaveLength(16 - points);
    limited.forEach(expectRateLimited);
  });

  it("counts each caller apart", async () => {
    const [first, second] = await Promise.all([
      burst(await token({ role: "service", sub: `svc-${randomUUID()}` }), 5),
      burst(await token({ role: "service", sub: `svc-${randomUUID()}` }), 5),
    ]);
    expect([...first!, ...second!].every((answer) => answer.status === 200)).toBe(true);
  });

  it("answers Connect with 429 and Retry-After, and gRPC with RESOURCE_EXHAUSTED and reason rate_limited", async () => {
    const callerToken = await token({ role: "staff", sub: `staff-${randomUUID()}` });
    await burst(callerToken, points);
    const connect = await http1Request(servers[0]!.port, connectJson("DirectoryService/ListClinicians", {}, bearer(callerToken)));
    expect(connect.status).toBe(429);
    expect(Number(connect.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(connect.body)).toMatchObject({ code: "resource_exhausted" });

    const client = grpcClient(servers[1]!.port);
    try {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${callerToken}`);
      const { error } = await grpcUnary(client, DirectoryService.method.listClinicians, {}, metadata);
      expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(errorInfoReasons(error!)).toEqual(["rate_limited"]);
      expect(Number(error!.metadata.get("retry-after")[0])).toBeGreaterThanOrEqual(1);
    } finally {
      client.close();
    }
  });

  it("counts /metrics with the caller's RPCs, in one budget", async () => {
    const answers = await burst(await token({ role: "service", sub: `scraper-${randomUUID()}` }), 8, alternating());
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(points);
    answers.filter((answer) => answer.status !== 200).forEach(expectRateLimited);
  });

  it("limits requests without a valid token by client address, /metrics too: 401 until the address's budget is spent, then 429", async () => {
    const answers = await burst(undefined, 8, alternating());
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(points);
    answers.filter((answer) => answer.status !== 401).forEach(expectRateLimited);
  });
});

describe("the client address a request without a valid token is counted by", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::FFFF:7f00:1", "127.0.0.1"],
    ["2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"],
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002:ffff::9", "2001:db8:1:2::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["64:ff9b::192.0.2.1", "64:ff9b:0:0::/64"],
  ])("keys %s as %s", (address, key) => {
    expect(rateLimitAddress(address)).toBe(key);
  });
});

describe("with Redis stopped", () => {
  it("keeps serving, and each process keeps limiting every caller on its own", async () => {
    await redis.stop();
    const callerToken = await token({ role: "staff", sub: `staff-${randomUUID()}` });
    const answers = await Promise.all(
      Array.from({ length: points + 4 }, () => restCall(servers[0]!.url, "GET", "/clinicians", undefined, bearer(callerToken))),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(points);
    answers.filter((answer) => answer.status !== 200).forEach(expectRateLimited);
    const other = await restCall(servers[1]!.url, "GET", "/clinicians", undefined, bearer(callerToken));
    expect(other.status).toBe(200);
  });
});
