import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InProcessSlotLock } from "../src/adapters/memory/in-process-slot-lock.js";
import { JoseTokenVerifier } from "../src/adapters/jwt/jose-token-verifier.js";
import { pinnedKey } from "../src/adapters/jwt/verification-key.js";
import { createCoreRuntime, type CoreRuntime } from "../src/app/core-runtime.js";
import { loadConfig } from "../src/config/config.js";
import { silentLogger } from "../src/core/ports/logger.js";
import type { RateDecision, RateLimiter } from "../src/core/ports/rate-limiter.js";
import { createServerMetrics } from "../src/transport/observability/server-metrics.js";
import { admission } from "../src/transport/security/admission.js";
import { bearerAuthentication } from "../src/transport/security/bearer-authentication.js";
import { startSchedServer } from "../src/transport/server/sched-server.js";
import type { RunningServer } from "../src/transport/server/start-server.js";
import { bearer, testAudience, testIssuer, testSecret, token } from "./support/tokens.js";

// The attack: a body just under the 1 MiB cap ({"slots":[{},{},…]}) sent by a
// caller who is not admitted. The caller is authenticated and its rate-limit
// point spent from the headers alone, so the refusal comes while the client
// is still sending: every request below sends part of its body and never
// ends it. A server that read the body first would never answer.

const points = 3;
const declaredBytes = 1_020_011;
const sentBytes = 256 * 1024;
const slotsBody = Buffer.from(`{"slots":[${"{},".repeat(sentBytes / 3)}`).subarray(0, sentBytes);

/** Counts every point spent, per key, in a window that never ends; only callers with a token run out. */
class CountingLimiter implements RateLimiter {
  readonly spent = new Map<string, number>();
  consume(key: string): Promise<RateDecision> {
    const count = (this.spent.get(key) ?? 0) + 1;
    this.spent.set(key, count);
    const allowed = key.startsWith("ip:") || count <= points;
    return Promise.resolve(allowed ? { allowed: true } : { allowed: false, retryAfterMs: 60_000 });
  }
}

let runtime: CoreRuntime;
let server: RunningServer;
let limiter: CountingLimiter;

beforeAll(async () => {
  // Nothing here reaches the database: every call is refused, or fails validation, first.
  const config = loadConfig({ env: { POSTGRES_DSN: "postgres://127.0.0.1:1/never" }, cwd: "/" });
  runtime = createCoreRuntime({ config, logger: silentLogger, lock: new InProcessSlotLock({ lockTtlMs: 5_000 }), poolSize: 1 });
  limiter = new CountingLimiter();
  const verifier = new JoseTokenVerifier({ key: pinnedKey({ kind: "secret", secret: testSecret }), issuer: testIssuer, audience: testAudience, maxTokenAgeSeconds: 86_400 });
  server = await startSchedServer({
    core: runtime.core,
    probes: { postgres: () => Promise.resolve(true), redis: () => Promise.resolve(true) },
    metrics: createServerMetrics(),
    logger: silentLogger,
    port: 0,
    host: "127.0.0.1",
    admit: admission(bearerAuthentication(verifier), limiter),
  });
});

afterAll(async () => {
  await server?.close(1_000);
  await runtime?.close();
});

interface Refusal {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** POSTs the start of a large body over HTTP/1.1 and resolves with the answer, the body still unfinished. */
function http1Unfinished(path: string, headers: Record<string, string>): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: "127.0.0.1", port: server.port, method: "POST", path, agent: false, headers: { "content-length": String(declaredBytes), ...headers } },
      (response) => {
        let body = "";
        response.setEncoding("latin1");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => {
          expect(request.writableEnded).toBe(false);
          request.destroy();
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
      },
    );
    // The server may close the connection on the rest of the body once it has answered.
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    request.write(slotsBody);
  });
}

/** Opens a gRPC call over h2c, sends part of an enveloped message that claims a million bytes, never ends it. */
function grpcUnfinished(headers: Record<string, string>): Promise<{ grpcStatus: string; grpcMessage: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": "/sched.v1.SlotService/CreateSlots",
      "content-type": "application/grpc+proto",
      te: "trailers",
      ...headers,
    });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(1_000_000, 1);
    // A refusal is trailers-only: the status arrives in the response's one HEADERS frame.
    const settle = (received: http2.IncomingHttpHeaders): void => {
      if (received["grpc-status"] === undefined) return;
      expect(stream.writableEnded).toBe(false);
      stream.destroy();
      session.close();
      resolve({ grpcStatus: received["grpc-status"] as string, grpcMessage: decodeURIComponent(String(received["grpc-message"])) });
    };
    stream.on("response", settle);
    stream.on("trailers", settle);
    stream.on("error", () => {});
    stream.resume();
    stream.write(Buffer.concat([prefix, Buffer.alloc(sentBytes, 0x0a)]));
  });
}

describe("admission from the headers, before the body", () => {
  it("answers an unauthenticated REST POST /slots with 401 while its body is still arriving", async () => {
    const refused = await http1Unfinished("/slots", { "content-type": "application/json" });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ error: "unauthenticated", details: "authentication required" });
    expect(refused.headers["www-authenticate"]).toBe('Bearer realm="sched"');
  });

  it("answers the same over Connect with unauthenticated", async () => {
    const refused = await http1Unfinished("/sched.v1.SlotService/CreateSlots", { "content-type": "application/json" });
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ code: "unauthenticated", message: "authentication required" });
  });

  it("answers the same over gRPC-Web with status 16 in the trailer frame", async () => {
    const refused = await http1Unfinished("/sched.v1.SlotService/CreateSlots", { "content-type": "application/grpc-web+proto" });
    expect(refused.status).toBe(200);
    expect(refused.body).toContain("grpc-status: 16");
  });

  it("answers the same over gRPC with UNAUTHENTICATED", async () => {
    expect(await grpcUnfinished({})).toEqual({ grpcStatus: "16", grpcMessage: "authentication required" });
  });

  it("spends a point on calls that fail validation, and refuses a caller over its budget before reading its body", async () => {
    const headers = bearer(await token({ sub: "validation-spender" }));
    const invalid = async (): Promise<number> =>
      new Promise((resolve, reject) => {
        http.get({ host: "127.0.0.1", port: server.port, path: "/clinicians?bogus=1", headers, agent: false }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on("error", reject);
      });
    const statuses: number[] = [];
    for (let call = 0; call < points; call += 1) statuses.push(await invalid());
    expect(statuses).toEqual([400, 400, 400]);
    expect(limiter.spent.get("staff:validation-spender")).toBe(points);

    const rest = await http1Unfinished("/slots", { ...headers, "content-type": "application/json" });
    expect(rest.status).toBe(429);
    expect(JSON.parse(rest.body)).toMatchObject({ error: "rate_limited" });
    expect(rest.headers["retry-after"]).toBe("60");
    expect((await grpcUnfinished(headers)).grpcStatus).toBe("8");
  });

  it("refuses an unauthenticated call before parsing even its query", async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port: server.port, path: "/clinicians?bogus=1", agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on("error", reject);
    });
    expect(answer).toBe(401);
    expect(limiter.spent.get("ip:127.0.0.1")).toBeGreaterThan(0);
  });
});
