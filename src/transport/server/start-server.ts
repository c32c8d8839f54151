import http from "node:http";
import http2 from "node:http2";
import net, { type AddressInfo, type Socket } from "node:net";
import tlsServers, { type TLSSocket } from "node:tls";
import { ConnectionTracker } from "./connection-tracker.js";
import type { NodeRequest, NodeResponse } from "../http/http-route.js";
import { sniffProtocol } from "./sniff-protocol.js";

export interface ServerTimeouts {
  /** A new connection must send its first bytes within this. */
  firstBytesMs: number;
  /** HTTP/1.1: the request's headers must arrive within this. */
  headersMs: number;
  /** HTTP/1.1: the whole request must arrive within this. */
  requestMs: number;
  /** HTTP/2: a session with no traffic at all is closed after this. */
  http2IdleMs: number;
}

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  handler: (req: NodeRequest, res: NodeResponse) => void;
  timeouts?: Partial<ServerTimeouts>;
  /** Failures of the listening socket once it listens (running out of file descriptors, say). */
  onError: (error: Error) => void;
  /** PEM certificate and key: HTTPS, with HTTP/2 or HTTP/1.1 chosen by ALPN. */
  tls?: { cert: Buffer; key: Buffer };
}

export interface RunningServer {
  /** The port actually bound. */
  port: number;
  /**
   * Stops accepting connections, lets requests under way finish within
   * drainMs, then cuts whatever is left.
   */
  close(drainMs: number): Promise<void>;
}

const defaultTimeouts: ServerTimeouts = {
  firstBytesMs: 10_000,
  headersMs: 10_000,
  requestMs: 30_000,
  http2IdleMs: 120_000,
};

/**
 * HTTP/1.1 and HTTP/2 on one port. With TLS, ALPN picks the protocol. In
 * cleartext, Node's HTTP/2 server answers HTTP/1.1 only through ALPN, so a
 * plain TCP server reads each connection's first bytes and hands the socket
 * to the server that speaks its protocol. Either way one HTTP/1 server and
 * one HTTP/2 server answer, so that both modes enforce the same timeouts:
 * HTTP/2's own HTTP/1.1 fallback (allowHTTP1) knows no header or request
 * timeout, and a client dripping its headers over TLS would hold its socket.
 */
export async function startServer({ port, host, handler, timeouts, onError, tls }: ServerOptions): Promise<RunningServer> {
  const limits = { ...defaultTimeouts, ...timeouts };
  // Told "Connection: close" while draining, a keep-alive client stops
  // reusing the socket instead of racing its close with a request it cannot
  // know was lost. Answers under way when the drain begins are told too.
  let draining = false;
  const unanswered = new Set<http.ServerResponse>();
  const answerHttp1 = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (draining) res.shouldKeepAlive = false;
    unanswered.add(res);
    res.once("close", () => unanswered.delete(res));
    handler(req, res);
  };
  const http1Server = http.createServer(
    { headersTimeout: limits.headersMs, requestTimeout: limits.requestMs, connectionsCheckingInterval: 1_000 },
    answerHttp1,
  );
  const connections = new ConnectionTracker();
  const undecided = new Set<Socket>();
  const settings = { maxConcurrentStreams: 1_000 };
  const http2Server = http2.createServer({ settings }, handler);
  // A session quiet for http2IdleMs is closed, unless a stream is still open
  // on it: a WatchEvents stream may rightly wait minutes for its next event,
  // and only writes (not pings) keep a session's timer from firing.
  const openStreams = new WeakMap<http2.Http2Session, number>();
  http2Server.on("session", (session) => {
    session.on("timeout", () => {
      if ((openStreams.get(session) ?? 0) === 0) session.destroy();
    });
    session.setTimeout(limits.http2IdleMs);
  });
  http2Server.on("stream", (stream) => {
    const session = stream.session;
    if (session === undefined) return;
    openStreams.set(session, (openStreams.get(session) ?? 0) + 1);
    stream.once("close", () => {
      const left = (openStreams.get(session) ?? 1) - 1;
      openStreams.set(session, left);
      // A timeout that fired while the stream was open is not armed again by itself.
      if (left === 0 && !session.destroyed) session.setTimeout(limits.http2IdleMs);
    });
  });
  http2Server.on("session", (session) => connections.addSession(session));

  const acceptTls = (socket: TLSSocket): void => {
    connections.addSocket(socket);
    // A client that offers no ALPN speaks HTTP/1.1, as with Node's own HTTPS server.
    if (socket.alpnProtocol === "h2") acceptHttp2OverTls(socket);
    else http1Server.emit("connection", socket);
  };
  // In cleartext an h2c client is only handed over once it has sent its first
  // bytes; over TLS ALPN decides before the client sent any, so a client that
  // then says nothing would hold its socket for the idle timeout. It gets
  // the same first-bytes deadline, until its session's first stream.
  const acceptHttp2OverTls = (socket: TLSSocket): void => {
    const deadline = setTimeout(() => socket.destroy(), limits.firstBytesMs);
    socket.once("close", () => clearTimeout(deadline));
    // The HTTP/2 server creates the socket's session within emit("connection").
    const watchFirstStream = (session: http2.ServerHttp2Session): void => {
      session.once("stream", () => clearTimeout(deadline));
    };
    http2Server.once("session", watchFirstStream);
    http2Server.emit("connection", socket);
    http2Server.off("session", watchFirstStream);
  };
  const acceptCleartext = (socket: Socket): void => {
    connections.addSocket(socket);
    undecided.add(socket);
    socket.once("close", () => undecided.delete(socket));
    sniffProtocol(socket, limits.firstBytesMs, (protocol) => {
      undecided.delete(socket);
      if (protocol === "h2c") {
        // The HTTP/2 session reads the socket itself; resuming it here would
        // hand the preface to nobody (every request then fails with GOAWAY).
        http2Server.emit("connection", socket);
      } else {
        http1Server.emit("connection", socket);
        socket.resume();
      }
    });
  };
  const listener = tls
    ? tlsServers.createServer({ ...tls, ALPNProtocols: ["h2", "http/1.1"], handshakeTimeout: limits.firstBytesMs }, acceptTls)
    : net.createServer({ noDelay: true }, acceptCleartext);
  // Node reports a handshake that timed out (or failed) but leaves its
  // socket open (measured on Node 20): a client saying nothing would hold it.
  if (tls) listener.on("tlsClientError", (_error: Error, socket: TLSSocket) => socket.destroy());
  // The HTTP/1 server never listens itself, but it starts tracking
  // connections (and so enforcing headersTimeout and requestTimeout) only on
  // its "listening" event.
  listener.once("listening", () => http1Server.emit("listening"));
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(port, host, () => {
      listener.off("error", reject);
      listener.on("error", onError);
      resolve();
    });
  });

  return {
    port: (listener.address() as AddressInfo).port,
    async close(drainMs) {
      draining = true;
      for (const res of unanswered) if (!res.headersSent) res.shouldKeepAlive = false;
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const socket of undecided) socket.destroy();
      connections.closeSessions();
      // Keep-alive connections go as soon as their last answer is out.
      const closeIdle = setInterval(() => http1Server.closeIdleConnections(), 50);
      http1Server.closeIdleConnections();
      const drained = await connections.allClosed(drainMs);
      clearInterval(closeIdle);
      if (!drained) connections.destroyAll();
      http1Server.close();
      await closed;
    },
  };
}
