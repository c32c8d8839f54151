import { readdirSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../gen/health/v1/health_pb.js";
import { migrate, migrationsDir } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { grpcClient, grpcServerStream } from "./support/grpc-client.js";
import { http1Request, type Answer } from "./support/http-clients.js";
import { runCli } from "./support/run-cli.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

let database: TestDatabase;
let unmigrated: TestDatabase;
const started: ServerProcess[] = [];

beforeAll(async () => {
  [database, unmigrated] = await Promise.all([
    createTestDatabase("server_lifecycle"),
    createTestDatabase("server_lifecycle_unmigrated"),
  ]);
  await migrate(database.dsn);
});

afterEach(async () => {
  for (const server of started.splice(0)) {
    if ((await Promise.race([server.exited, null])) === null) process.kill(server.pid, "SIGKILL");
  }
});

afterAll(async () => {
  await Promise.all([database?.drop(), unmigrated?.drop()]);
});

async function serve(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess({ POSTGRES_DSN: database.dsn, ...env });
  started.push(server);
  return server;
}

interface PartialRequest {
  finish(): void;
  answer: Promise<Answer>;
}

const createPatientPath = "/sched.v1.DirectoryService/CreatePatient";

// Sends the headers and the first bytes of the body now, the rest on finish():
// the server is handling the request from the moment its headers arrive.
function partialHttp1(port: number, body: string): PartialRequest {
  const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
  let request!: http.ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    request = http.request({ host: "127.0.0.1", port, method: "POST", path: createPatientPath, headers, agent: false }, (response) => {
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    request.on("error", reject);
  });
  request.flushHeaders();
  request.write(body.slice(0, 5));
  return { finish: () => request.end(body.slice(5)), answer };
}

function partialHttp2(session: http2.ClientHttp2Session, body: string): PartialRequest {
  const stream = session.request({
    ":method": "POST",
    ":path": createPatientPath,
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    let status = 0;
    let text = "";
    stream.on("response", (headers) => (status = Number(headers[":status"])));
    stream.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    stream.on("end", () => resolve({ status, headers: {}, body: text }));
    stream.on("error", reject);
  });
  stream.write(body.slice(0, 5));
  return { finish: () => stream.end(body.slice(5)), answer };
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("graceful shutdown", () => {
  it("on SIGTERM refuses new connections, finishes requests under way, ends health watches and exits 0", async () => {
    const server = await serve({ SHUTDOWN_TIMEOUT: "20s" });
    const session = http2.connect(server.url);
    const idleSession = http2.connect(server.url);
    const client = grpcClient(server.port);
    const watch = grpcServerStream(client, Health.method.watch, { service: "" });
    await watch.first;
    const overHttp1 = partialHttp1(server.port, JSON.stringify({ name: "In Flight One" }));
    const overHttp2 = partialHttp2(session, JSON.stringify({ name: "In Flight Two" }));
    await settle(300);

    const signalledAt = Date.now();
    process.kill(server.pid, "SIGTERM");
    await expect.poll(() => server.logLines().some((line) => /shutting down/.test(String(line.msg)))).toBe(true);
    await expect(http1Request(server.port, { path: "/health/live" })).rejects.toThrow(/ECONNREFUSED/);
    overHttp1.finish();
    overHttp2.finish();

    expect(await overHttp1.answer).toMatchObject({ status: 200, body: expect.stringContaining('"In Flight One"') });
    expect(await overHttp2.answer).toMatchObject({ status: 200, body: expect.stringContaining('"In Flight Two"') });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // Idle connections and the open Watch did not hold the drain to its 20 s.
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    await watch.ended;
    session.destroy();
    idleSession.destroy();
    client.close();
  });

  it("cuts what is still under way when SHUTDOWN_TIMEOUT runs out, and exits 0", async () => {
    const server = await serve({ SHUTDOWN_TIMEOUT: "700ms" });
    const stuck = partialHttp1(server.port, JSON.stringify({ name: "Never Finished" }));
    await settle(300);
    const signalledAt = Date.now();
    process.kill(server.pid, "SIGTERM");
    await expect(stuck.answer).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(600);
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
  });
});

describe("sched serve at start", () => {
  it("stops with one line naming POSTGRES_DSN and exit code 2 when it is missing", async () => {
    const { code, stdout, stderr } = await runCli(["serve", "--http-port", "0"]);
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: "sched: POSTGRES_DSN is required: set it in the environment, in .env or with --postgres-dsn\n",
    });
  });

  it("refuses a database without the schema, in one line that says to run sched migrate, and exit code 1", async () => {
    const { code, stdout, stderr } = await runCli(["serve", "--http-port", "0", "--postgres-dsn", unmigrated.dsn]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const migrations = readdirSync(migrationsDir).filter((name) => name.endsWith(".sql")).length;
    expect(stderr).toMatch(new RegExp(`^sched: the database schema lacks ${migrations} migration\\(s\\) \\(.+\\): run sched migrate\n$`));
  });
});
