import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { decodeJwt, exportJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/health/v1/health_pb.js";
import { DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createCliLogger } from "../src/app/cli-logger.js";
import { devBanner } from "../src/cli/dev/dev-banner.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { restCall } from "./support/e2e-rest.js";
import { grpcClient, grpcUnary } from "./support/grpc-client.js";
import { connectJson, http1Request, http2Request } from "./support/http-clients.js";
import { runCli } from "./support/run-cli.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";
import { authEnv, bearer, testAudience, testIssuer, testSecret, token } from "./support/tokens.js";

// How `sched serve` starts with and without a key, what /metrics asks for,
// `sched token`, and that no token ever reaches a log line.

let database: TestDatabase;
let secured: ServerProcess;
let open: ServerProcess;
const cwd = mkdtempSync(join(tmpdir(), "sched-security-serve-"));

beforeAll(async () => {
  database = await createTestDatabase("security_serve");
  await migrate(database.dsn);
  [secured, open] = await Promise.all([
    startServerProcess({ POSTGRES_DSN: database.dsn, APP_ENV: "prod", METRICS_REQUIRE_AUTH: "true", RATE_LIMIT_POINTS: "0", ...authEnv }),
    startServerProcess({ POSTGRES_DSN: database.dsn, APP_ENV: "dev" }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([secured?.stop(), open?.stop()]);
  await database?.drop();
});

describe("starting sched serve", () => {
  it("refuses APP_ENV=prod without a key, with one line and exit 2", async () => {
    const result = await runCli(["serve", "--http-port", "0"], { APP_ENV: "prod", POSTGRES_DSN: database.dsn }, cwd);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "sched: APP_ENV=prod needs a token verification key: set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE\n",
    });
  });

  it("refuses a key it cannot use, naming the variable and never the key", async () => {
    const notAKey = join(cwd, "not-a-key.pem");
    writeFileSync(notAKey, "hello");
    const env = { APP_ENV: "prod", POSTGRES_DSN: database.dsn };
    expect(await runCli(["serve"], { ...env, AUTH_JWT_PUBLIC_KEY_FILE: notAKey }, cwd)).toMatchObject({
      code: 2,
      stderr: "sched: AUTH_JWT_PUBLIC_KEY_FILE: not a PEM public key\n",
    });
    expect(await runCli(["serve"], { ...env, AUTH_JWKS_FILE: join(cwd, "missing.json") }, cwd)).toMatchObject({
      code: 2,
      stderr: `sched: AUTH_JWKS_FILE: cannot read ${join(cwd, "missing.json")} (ENOENT)\n`,
    });
    const short = await runCli(["serve"], { ...env, AUTH_JWT_SECRET: "tiny-secret" }, cwd);
    expect(short.code).toBe(2);
    expect(short.stderr).not.toContain("tiny-secret");
  });

  it("refuses APP_ENV=prod with a key but without AUTH_ISSUER or AUTH_AUDIENCE, with one line and exit 2", async () => {
    const env = { APP_ENV: "prod", POSTGRES_DSN: database.dsn, AUTH_JWT_SECRET: testSecret };
    expect(await runCli(["serve", "--http-port", "0"], { ...env, AUTH_ISSUER: testIssuer }, cwd)).toEqual({
      code: 2,
      stdout: "",
      stderr: "sched: APP_ENV=prod needs AUTH_ISSUER and AUTH_AUDIENCE with a verification key: set AUTH_AUDIENCE\n",
    });
    expect(await runCli(["serve", "--http-port", "0"], env, cwd)).toEqual({
      code: 2,
      stdout: "",
      stderr: "sched: APP_ENV=prod needs AUTH_ISSUER and AUTH_AUDIENCE with a verification key: set AUTH_ISSUER and AUTH_AUDIENCE\n",
    });
  });

  it("serves in dev with a key but without issuer and audience, and says in one warning line what that accepts", async () => {
    const server = await startServerProcess({ POSTGRES_DSN: database.dsn, APP_ENV: "dev", AUTH_JWT_SECRET: testSecret, AUTH_ISSUER: testIssuer });
    try {
      const warnings = server.logLines().filter((line) => line.level === 40);
      expect(warnings.map((line) => line.msg)).toEqual(["AUTH_AUDIENCE unset: tokens of any issuer or audience are accepted"]);
      expect((await restCall(server.url, "GET", "/clinicians", undefined, bearer(await token({ aud: "another-service" })))).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("serves open in dev without a key, and says so in one warning line", async () => {
    const warnings = open.logLines().filter((line) => line.level === 40);
    expect(warnings.map((line) => line.msg)).toEqual([
      "no token verification key (AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE): serving WITHOUT authentication, every caller may do everything",
    ]);
    expect((await restCall(open.url, "GET", "/clinicians")).status).toBe(200);
  });

  it("has sched dev say in its banner that authentication is off", () => {
    const banner = devBanner({ address: "localhost:8080", embedded: true, dataLocation: ".sched-dev", lockDescription: "an in-process slot lock", bookings: [], startupMs: 1 });
    expect(banner).toContain("Authentication is off: no token is asked for and every caller may do everything.");
  });
});

describe("keys from files", () => {
  it.each(["AUTH_JWKS_FILE", "AUTH_JWT_PUBLIC_KEY_FILE"])("serves with %s, accepting tokens of its key only", async (variable) => {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const file = join(cwd, `${variable}.key`);
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "idp-1", alg: "ES256" };
    writeFileSync(file, variable === "AUTH_JWKS_FILE" ? JSON.stringify({ keys: [jwk] }) : pair.publicKey.export({ type: "spki", format: "pem" }));
    const server = await startServerProcess({ POSTGRES_DSN: database.dsn, APP_ENV: "prod", [variable]: file, AUTH_ISSUER: "https://idp", AUTH_AUDIENCE: "sched" });
    try {
      const signed = (key: Parameters<SignJWT["sign"]>[0], alg: string) =>
        new SignJWT({ role: "staff" }).setProtectedHeader({ alg, kid: "idp-1" }).setSubject("ops").setIssuer("https://idp").setAudience("sched").setIssuedAt().setExpirationTime("5m").sign(key);
      expect((await restCall(server.url, "GET", "/clinicians", undefined, bearer(await signed(pair.privateKey, "ES256")))).status).toBe(200);
      const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
      expect((await restCall(server.url, "GET", "/clinicians", undefined, bearer(await signed(stranger, "ES256")))).status).toBe(401);
      expect((await restCall(server.url, "GET", "/clinicians", undefined, bearer(await token()))).status).toBe(401);
    } finally {
      await server.stop();
    }
  });
});

describe("subjects the audit log could not record", () => {
  it("answers 401 to a blank, control-character or overlong sub, and serves a 200-character one", async () => {
    for (const sub of ["   ", "front\u0007desk", "x".repeat(201)]) {
      const answer = await restCall(secured.url, "POST", "/clinicians", { name: "Dr Nobody" }, bearer(await token({ sub })));
      expect(answer.status).toBe(401);
    }
    const longest = await restCall(secured.url, "POST", "/clinicians", { name: "Dr Longest" }, bearer(await token({ sub: "x".repeat(200) })));
    expect(longest.status).toBe(201);
  });
});

describe("the open endpoints and /metrics", () => {
  it("keeps health open, and /metrics for staff and services when METRICS_REQUIRE_AUTH=true", async () => {
    expect((await http1Request(secured.port, { path: "/health/live" })).status).toBe(200);
    expect((await http1Request(secured.port, { path: "/health/ready" })).status).toBe(200);
    const anonymous = await http1Request(secured.port, { path: "/metrics" });
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toEqual({ error: "unauthenticated", details: "authentication required" });
    expect(anonymous.headers["www-authenticate"]).toBe('Bearer realm="sched"');
    const patient = await http1Request(secured.port, { path: "/metrics", headers: bearer(await token({ role: "patient", sub: crypto.randomUUID() })) });
    expect(patient.status).toBe(403);
    const staff = await http2Request(secured.port, { path: "/metrics", headers: bearer(await token({ role: "staff", sub: "scraper" })) });
    expect(staff.status).toBe(200);
    expect(staff.body).toContain("sched_requests_total");
    expect((await http1Request(open.port, { path: "/metrics" })).status).toBe(200);
  });

  it("keeps grpc.health.v1 open", async () => {
    const client = grpcClient(secured.port);
    try {
      const { response } = await grpcUnary(client, Health.method.check, { service: "" });
      expect(response?.status).toBe(ServingStatus.SERVING);
    } finally {
      client.close();
    }
  });
});

describe("sched token", () => {
  it("prints only a token, which the server accepts for that caller", async () => {
    const minted = await runCli(["token", "--role", "service", "--subject", "billing", "--ttl", "5m"], authEnv, cwd);
    expect(minted.code).toBe(0);
    expect(minted.stderr).toBe("");
    expect(minted.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(decodeJwt(minted.stdout.trim())).toMatchObject({ iss: testIssuer, aud: testAudience, sub: "billing", role: "service" });
    const answer = await restCall(secured.url, "POST", "/clinicians", { name: "Dr Minted" }, bearer(minted.stdout.trim()));
    expect(answer.status).toBe(201);
  });

  it("refuses a --ttl longer than AUTH_MAX_TOKEN_AGE, in one line", async () => {
    expect(await runCli(["token", "--role", "staff", "--subject", "x", "--ttl", "25h"], authEnv, cwd)).toEqual({
      code: 2,
      stdout: "",
      stderr: "sched: --ttl: longer than AUTH_MAX_TOKEN_AGE (86400s), the oldest token a server accepts\n",
    });
    const short = await runCli(["token", "--role", "staff", "--subject", "x", "--ttl", "2h"], { ...authEnv, AUTH_MAX_TOKEN_AGE: "1h" }, cwd);
    expect(short).toMatchObject({ code: 2, stderr: "sched: --ttl: longer than AUTH_MAX_TOKEN_AGE (3600s), the oldest token a server accepts\n" });
    expect((await runCli(["token", "--role", "staff", "--subject", "x", "--ttl", "24h"], authEnv, cwd)).code).toBe(0);
  });

  it("refuses without a secret, and a patient subject that is not a patient id", async () => {
    expect(await runCli(["token", "--role", "staff", "--subject", "x"], {}, cwd)).toEqual({
      code: 2,
      stdout: "",
      stderr: "sched: sched token signs with AUTH_JWT_SECRET: set it in the environment or in .env\n",
    });
    const flagged = await runCli(["token", "--role", "staff", "--subject", "x", "--auth-jwt-secret", testSecret], {}, cwd);
    expect(flagged).toMatchObject({ code: 2, stdout: "" });
    expect(flagged.stderr).toContain("unknown option '--auth-jwt-secret'");
    expect(flagged.stderr).not.toContain(testSecret);
    const serve = await runCli(["serve", "--auth-jwt-secret", testSecret], { POSTGRES_DSN: database.dsn }, cwd);
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toContain("unknown option '--auth-jwt-secret'");
    expect(await runCli(["token", "--role", "patient", "--subject", "alice"], { AUTH_JWT_SECRET: testSecret }, cwd)).toMatchObject({
      code: 2,
      stderr: "sched: --subject: a patient's subject is its patient id (a UUID)\n",
    });
  });
});

describe("sched simulate against a server that asks for tokens", () => {
  it("sends SCHED_TOKEN with every call, and keeps it out of its report", async () => {
    const env = { POSTGRES_DSN: database.dsn };
    expect(await runCli(["seed", "--clinicians", "2", "--patients", "20", "--weeks", "1"], env, cwd)).toMatchObject({ code: 0 });
    const serviceToken = await token({ role: "service", sub: "simulator" });
    for (const protocol of ["rest", "grpc"]) {
      const args = ["simulate", "--url", secured.url, "--protocol", protocol, "--duration", "1s", "--workers", "2", "--json"];
      const run = await runCli(args, { ...env, SCHED_TOKEN: serviceToken }, cwd);
      expect(run.stderr).toBe("");
      const report = JSON.parse(run.stdout) as { operations: { all: { success: number; errors: number } } };
      expect(report.operations.all.success).toBeGreaterThan(0);
      expect(report.operations.all.errors).toBe(0);
      expect(run.stdout).not.toContain(serviceToken);
    }
  });
});

describe("log redaction", () => {
  it("writes no token into any log line, whatever the protocol and outcome", async () => {
    const valid = await token({ role: "staff", sub: "staff-logs" });
    const forged = await token({ role: "staff", sub: "staff-logs", secret: "a-forged-secret-a-forged-secret-a-forged" });
    for (const value of [valid, forged]) {
      await restCall(secured.url, "GET", "/clinicians", undefined, bearer(value));
      await restCall(secured.url, "GET", "/appointments/not-a-uuid", undefined, bearer(value));
      await http2Request(secured.port, connectJson("DirectoryService/ListClinicians", {}, bearer(value)));
      await http1Request(secured.port, { path: "/metrics", headers: bearer(value) });
      const client = grpcClient(secured.port);
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${value}`);
      await grpcUnary(client, DirectoryService.method.getPatient, { id: "00000000-0000-4000-8000-000000000000" }, metadata);
      client.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const requestLines = secured.logLines().filter((line) => line.msg === "request");
    expect(requestLines.length).toBeGreaterThanOrEqual(10);
    const everything = JSON.stringify(secured.logLines()) + secured.stderr();
    for (const value of [valid, forged]) {
      for (const part of value.split(".")) expect(everything).not.toContain(part);
    }
  });

  it("redacts authorization headers and tokens should a log line ever carry them", () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _, done) => (lines.push(chunk.toString()), done()) });
    const logger = createCliLogger("prod", sink);
    logger.info({ authorization: "Bearer a.b.c", headers: { authorization: "Bearer d.e.f" }, token: "g.h.i" }, "top level");
    logger.info({ req: { headers: { authorization: "Bearer j.k.l" } }, call: { token: "m.n.o" } }, "nested");
    const text = lines.join("");
    for (const secret of ["a.b.c", "d.e.f", "g.h.i", "m.n.o", "j.k.l"]) expect(text).not.toContain(secret);
  });
});
