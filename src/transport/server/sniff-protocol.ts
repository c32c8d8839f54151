import type { Socket } from "node:net";

export type WireProtocol = "http1" | "h2c";

// RFC 9113 §3.4: a client speaking HTTP/2 without TLS ("prior knowledge")
// opens with this preface; nothing else on the wire begins with "PRI * ".
const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/**
 * Reads a new connection's first bytes to tell HTTP/2 from HTTP/1.x, then
 * puts them back, pauses the socket and says which it is. A client that sends
 * nothing within the timeout is disconnected.
 */
export function sniffProtocol(socket: Socket, timeoutMs: number, onProtocol: (protocol: WireProtocol) => void): void {
  let received: Buffer = Buffer.alloc(0);
  const giveUp = (): void => {
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const compared = Math.min(received.length, http2Preface.length);
    const mayBeHttp2 = received.subarray(0, compared).equals(http2Preface.subarray(0, compared));
    // A preface split across packets is rare, but must not be read as HTTP/1.
    if (mayBeHttp2 && received.length < http2Preface.length) return;
    socket.off("data", onData);
    socket.off("error", giveUp);
    socket.off("timeout", giveUp);
    socket.setTimeout(0);
    socket.pause();
    socket.unshift(received);
    onProtocol(mayBeHttp2 ? "h2c" : "http1");
  };
  socket.on("data", onData);
  socket.on("error", giveUp);
  socket.on("timeout", giveUp);
  socket.setTimeout(timeoutMs);
}
