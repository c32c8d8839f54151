import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../src/transport/server/start-server.js";

// Slow clients cannot hold sockets: a connection that says nothing, one that
// drips its headers or its body, and an HTTP/2 session that goes quiet are
// all closed by the server, in cleartext and over TLS. The limits are made
// short here; the tests wait for the close with a generous safety limit and
// assert nothing about how fast it came.

const timeouts = { firstBytesMs: 300, headersMs: 500, requestMs: 1_000, http2IdleMs: 500 };
let cleartext: RunningServer;
let secure: RunningServer;
let ca: Buffer;
let tlsFiles: { cert: Buffer; key: Buffer };
let common: () => Parameters<typeof startServer>[0];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "sched-slow-clients-"));
  const [certFile, keyFile] = [join(dir, "cert.pem"), join(dir, "key.pem")];
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyFile, "-out", certFile,
  ], { stdio: "ignore" });
  ca = readFileSync(certFile);
  const handler = (req: NodeJS.ReadableStream, res: { end(text: string): void }): void => {
    req.resume();
    req.on("end", () => res.end("ok"));
  };
  common = () => ({ port: 0, host: "127.0.0.1", handler: handler as never, timeouts, onError: () => {} });
  tlsFiles = { cert: ca, key: readFileSync(keyFile) };
  [cleartext, secure] = await Promise.all([startServer(common()), startServer({ ...common(), tls: tlsFiles })]);
});

afterAll(async () => {
  await Promise.all([cleartext?.close(100), secure?.close(100)]);
});

type Connect = (server: RunningServer) => Promise<net.Socket>;

const plain: Connect = (server) =>
  new Promise((resolve, reject) => {
    const socket = net.connect(server.port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });

const overTls: Connect = (server) =>
  new Promise((resolve, reject) => {
    const socket = tls.connect({ port: server.port, host: "127.0.0.1", servername: "localhost", ca, ALPNProtocols: ["http/1.1"] }, () =>
      resolve(socket),
    );
    socket.once("error", reject);
  });

// Resolves once the server has closed the connection; the safety limit only
// keeps a broken server from hanging the suite.
function closedByServer(socket: net.Socket): Promise<boolean> {
  return new Promise((resolve) => {
    const safety = setTimeout(() => resolve(false), 20_000);
    socket.on("error", () => {});
    socket.on("data", () => {});
    socket.once("close", () => {
      clearTimeout(safety);
      resolve(true);
    });
  });
}

function drip(socket: net.Socket, chunks: string[]): NodeJS.Timeout {
  let next = 0;
  return setInterval(() => {
    if (!socket.destroyed) socket.write(chunks[next++ % chunks.length]!);
  }, 100);
}

describe.each([
  ["cleartext", () => cleartext, plain],
  ["TLS", () => secure, overTls],
] as const)("over %s", (_, server, connect) => {
  it("closes a connection whose request headers never end", async () => {
    const socket = await connect(server());
    socket.write("GET /health/live HTTP/1.1\r\nHost: x\r\n");
    const dripping = drip(socket, ["X-Slow: 1\r\n"]);
    expect(await closedByServer(socket)).toBe(true);
    clearInterval(dripping);
  });

  it("closes a connection whose request body never ends", async () => {
    const socket = await connect(server());
    socket.write("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    const dripping = drip(socket, ["a"]);
    expect(await closedByServer(socket)).toBe(true);
    clearInterval(dripping);
  });
});

describe("connections that say nothing", () => {
  it("are closed before they send a byte, or finish a TLS handshake", async () => {
    expect(await closedByServer(await plain(cleartext))).toBe(true);
    expect(await closedByServer(await plain(secure))).toBe(true);
  });

  it("closes a TLS client that chose h2 and then sends nothing, after the first-bytes deadline, not the idle one", async () => {
    const quiet = await startServer({ ...common(), tls: tlsFiles, timeouts: { ...timeouts, http2IdleMs: 600_000 } });
    try {
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const connected = tls.connect({ port: quiet.port, host: "127.0.0.1", servername: "localhost", ca, ALPNProtocols: ["h2"] }, () =>
          resolve(connected),
        );
        connected.once("error", reject);
      });
      expect(socket.alpnProtocol).toBe("h2");
      expect(await closedByServer(socket)).toBe(true);

      // A session that asked for something keeps going past that deadline.
      const session = http2.connect(`https://localhost:${quiet.port}`, { ca });
      session.on("error", () => {});
      const get = (): Promise<number> =>
        new Promise((resolve, reject) => {
          const stream = session.request({ ":path": "/health/live" });
          stream.on("response", (headers) => resolve(Number(headers[":status"])));
          stream.on("error", reject);
          stream.resume();
          stream.end();
        });
      expect(await get()).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, timeouts.firstBytesMs * 3));
      expect(session.closed || session.destroyed).toBe(false);
      expect(await get()).toBe(200);
      session.close();
    } finally {
      await quiet.close(100);
    }
  });

  it.each([
    ["h2c", () => http2.connect(`http://127.0.0.1:${cleartext.port}`)],
    ["HTTP/2 over TLS", () => http2.connect(`https://localhost:${secure.port}`, { ca })],
  ])("closes an idle %s session", async (_, connectSession) => {
    const session = connectSession();
    session.on("error", () => {});
    const closed = await new Promise<boolean>((resolve) => {
      const safety = setTimeout(() => resolve(false), 20_000);
      session.once("close", () => {
        clearTimeout(safety);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
  });
});
