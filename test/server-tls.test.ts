import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

// TLS_CERT_FILE and TLS_KEY_FILE switch the one port to HTTPS, where ALPN
// picks HTTP/2 or HTTP/1.1 for each connection.

let database: TestDatabase;
let server: ServerProcess;
let ca: Buffer;

beforeAll(async () => {
  database = await createTestDatabase("server_tls");
  await migrate(database.dsn);
  const dir = mkdtempSync(join(tmpdir(), "sched-tls-"));
  const [certFile, keyFile] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyFile, "-out", certFile,
  ], { stdio: "ignore" });
  ca = readFileSync(certFile);
  server = await startServerProcess({ POSTGRES_DSN: database.dsn, TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
});

afterAll(async () => {
  await server?.stop();
  await database.drop();
});

function http1Get(path: string): Promise<{ status: number; alpn: string | false | null; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get({ host: "127.0.0.1", port: server.port, path, ca, servername: "localhost" }, (response) => {
      // The socket goes back to the agent once the body has ended.
      const alpn = (response.socket as TLSSocket).alpnProtocol;
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, alpn, body }));
    });
    request.on("error", reject);
  });
}

function http2Post(path: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`https://localhost:${server.port}`, { ca, host: "127.0.0.1" } as http2.SecureClientSessionOptions);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/json" });
    let status = 0;
    let text = "";
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
    stream.on("end", () => {
      session.close();
      resolve({ status, body: text });
    });
    stream.end(body);
  });
}

describe("sched serve with TLS", () => {
  it("answers HTTP/1.1 over TLS to a client that does not offer HTTP/2", async () => {
    const answer = await http1Get("/health/live");
    expect(answer.alpn).not.toBe("h2");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: "ok" });
  });

  it("answers REST and Connect over HTTP/2 with ALPN h2", async () => {
    const rest = await http2Post("/patients", JSON.stringify({ name: "Over TLS" }));
    expect(rest.status).toBe(201);
    const created = JSON.parse(rest.body) as { id: string };
    const connect = await http2Post("/sched.v1.DirectoryService/GetPatient", JSON.stringify({ id: created.id }));
    expect(connect.status).toBe(200);
    expect(JSON.parse(connect.body)).toMatchObject({ patient: { id: created.id, name: "Over TLS" } });
  });

  it("logs an https URL", () => {
    expect(server.logLines().find((line) => typeof line.url === "string")?.url).toMatch(/^https:\/\//);
  });
});
