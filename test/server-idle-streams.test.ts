import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../src/transport/server/start-server.js";
import { sleep } from "./support/eventually.js";

/*
 * HTTP/2 sessions quiet for http2IdleMs are closed, but not while a stream
 * is open on them: a WatchEvents stream may wait minutes for its next event.
 */

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    port: 0,
    host: "127.0.0.1",
    timeouts: { http2IdleMs: 300 },
    onError: () => undefined,
    handler: (request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      (response as { write(chunk: string): boolean }).write("open\n");
      // A long-lived answer: written once, then quiet until the client goes.
      if (request.url !== "/long") response.end();
    },
  });
});

afterAll(async () => {
  await server?.close(100);
});

function closedWithin(session: http2.ClientHttp2Session, ms: number): Promise<boolean> {
  return Promise.race([new Promise<boolean>((resolve) => session.once("close", () => resolve(true))), sleep(ms).then(() => false)]);
}

describe("HTTP/2 idle sessions", () => {
  it("keeps a session with an open stream past the idle timeout, and closes it once the stream ends and the session is quiet", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    const stream = session.request({ ":path": "/long" });
    stream.on("data", () => undefined);
    expect(await closedWithin(session, 1200)).toBe(false);
    stream.close();
    expect(await closedWithin(session, 2000)).toBe(true);
  });

  it("closes a session without streams after the idle timeout", async () => {
    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    const short = session.request({ ":path": "/short" });
    short.on("data", () => undefined);
    await new Promise((resolve) => short.once("close", resolve));
    expect(await closedWithin(session, 2000)).toBe(true);
  });
});
