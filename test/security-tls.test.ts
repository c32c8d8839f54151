import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectoryService } from "../gen/sched/v1/directory_service_pb.js";
import { createSchedClient, errorReason, type SchedClientOptions } from "../src/client/index.js";
import { grpcUnary } from "./support/grpc-client.js";
import { runCli } from "./support/run-cli.js";
import { startServedDatabase, type ServedDatabase } from "./support/served-database.js";
import { authEnv, token } from "./support/tokens.js";

// A throwaway self-signed certificate: the server serves REST, Connect and
// gRPC over it, and every client trusts it through a CA file, and sends a token.

let served: ServedDatabase;
let certFile: string;
let ca: Buffer;
let baseUrl: string;
let staffToken: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "sched-security-tls-"));
  certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyFile, "-out", certFile,
  ], { stdio: "ignore" });
  ca = readFileSync(certFile);
  served = await startServedDatabase("security_tls", { ...authEnv, TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile, RATE_LIMIT_POINTS: "0" });
  baseUrl = `https://localhost:${served.server.port}`;
  staffToken = await token({ role: "staff", sub: "staff-tls" });
}, 60_000);

afterAll(async () => {
  await served?.close();
});

function restGet(path: string, authorization?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = authorization === undefined ? {} : { authorization };
    const request = https.get({ host: "localhost", port: served.server.port, path, ca, headers }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
  });
}

describe("the exported client over TLS", () => {
  it.each<[string, Partial<SchedClientOptions>]>([
    ["gRPC", { protocol: "grpc" }],
    ["Connect over HTTP/2", { protocol: "connect", httpVersion: "2" }],
    ["Connect over HTTP/1.1", { protocol: "connect", httpVersion: "1.1" }],
    ["gRPC-Web over HTTP/1.1", { protocol: "grpc-web", httpVersion: "1.1" }],
  ])("%s trusts the CA it is given and sends its token", async (_, options) => {
    const client = createSchedClient({ baseUrl, ca, token: staffToken, ...options });
    const created = await client.directory.createClinician({ name: "Dr Tls" });
    const found = await client.directory.getClinician({ id: created.clinician!.id });
    expect(found.clinician?.name).toBe("Dr Tls");
  });

  it("fails without the CA, and is unauthenticated without a token", async () => {
    await expect(createSchedClient({ baseUrl, protocol: "connect", token: staffToken }).directory.listClinicians({})).rejects.toThrow();
    const error = await createSchedClient({ baseUrl, ca }).directory.listClinicians({}).catch((caught: unknown) => caught);
    expect(errorReason(error)).toBe("unauthenticated");
  });
});

describe("other clients over TLS", () => {
  it("@grpc/grpc-js with SSL credentials from the CA file", async () => {
    const client = new grpc.Client(`localhost:${served.server.port}`, grpc.credentials.createSsl(ca));
    try {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${staffToken}`);
      const answer = await grpcUnary(client, DirectoryService.method.listClinicians, {}, metadata);
      expect(answer.error).toBeUndefined();
      expect(answer.response?.total).toBeGreaterThanOrEqual(0);
    } finally {
      client.close();
    }
  });

  it("REST over HTTPS", async () => {
    expect((await restGet("/clinicians", `Bearer ${staffToken}`)).status).toBe(200);
    expect(JSON.parse((await restGet("/clinicians")).body)).toEqual({ error: "unauthenticated", details: "authentication required" });
    expect((await restGet("/health/live")).status).toBe(200);
  });

  it("the CLI with --ca-file and --token, or SCHED_CA_FILE and SCHED_TOKEN", async () => {
    const flags = await runCli(["clinicians", "list", "--url", baseUrl, "--ca-file", certFile, "--token", staffToken, "--json"]);
    expect(flags.stderr).toBe("");
    expect(flags.code).toBe(0);
    const env = await runCli(["clinicians", "list", "--url", baseUrl, "--protocol", "connect"], { SCHED_CA_FILE: certFile, SCHED_TOKEN: staffToken });
    expect(env.code).toBe(0);
    expect(env.stdout).toContain("Dr Tls");
    const noToken = await runCli(["clinicians", "list", "--url", baseUrl, "--ca-file", certFile]);
    expect(noToken).toMatchObject({ code: 1, stderr: "sched: unauthenticated: authentication required\n" });
    const missingCa = await runCli(["clinicians", "list", "--url", baseUrl, "--ca-file", "/nonexistent/ca.pem"]);
    expect(missingCa).toMatchObject({ code: 2, stderr: "sched: --ca-file: cannot read /nonexistent/ca.pem (ENOENT)\n" });
  });

  it("sched simulate with --ca-file and SCHED_TOKEN, over REST and gRPC", async () => {
    const env = { POSTGRES_DSN: served.database.dsn };
    expect(await runCli(["seed", "--clinicians", "2", "--patients", "20", "--weeks", "1"], env)).toMatchObject({ code: 0 });
    for (const protocol of ["rest", "grpc"]) {
      const args = ["simulate", "--url", baseUrl, "--ca-file", certFile, "--protocol", protocol, "--duration", "1s", "--workers", "2", "--json"];
      const run = await runCli(args, { ...env, SCHED_TOKEN: staffToken });
      expect(run.stderr).toBe("");
      const report = JSON.parse(run.stdout) as { operations: { all: { success: number; errors: number } } };
      expect(report.operations.all.success).toBeGreaterThan(0);
      expect(report.operations.all.errors).toBe(0);
    }
  });
});
