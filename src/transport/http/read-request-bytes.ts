import { constants as http2Constants } from "node:http2";
import type { Readable } from "node:stream";
import type { NodeRequest, NodeResponse } from "./http-route.js";
import { isHttp2 } from "./node-request.js";

/** What a protocol answers when a body is over its cap, or ends before it is whole. */
export interface BodyFailures {
  tooLarge(): unknown;
  endedEarly(): unknown;
}

/**
 * The whole body, refusing more than maxBytes without reading on: a
 * Content-Length over the cap before the first byte, a chunked body as soon
 * as it passes the cap. Each protocol words the refusal its own way.
 */
export function readRequestBytes(request: NodeRequest, maxBytes: number, failures: BodyFailures): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  if (declared > maxBytes) return Promise.reject(failures.tooLarge());
  const stream: Readable = request;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void) => {
      stream.off("data", onData).off("end", onEnd).off("error", onEarlyEnd).off("close", onEarlyEnd);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stream.pause();
      settle(() => reject(failures.tooLarge()));
    };
    const onEnd = () => settle(() => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    const onEarlyEnd = () => settle(() => reject(failures.endedEarly()));
    stream.on("data", onData).on("end", onEnd).on("error", onEarlyEnd).on("close", onEarlyEnd);
  });
}

/**
 * After refusing a body unread, ends the exchange instead of draining the
 * rest: HTTP/1.1 closes the connection once the answer is sent, HTTP/2 resets
 * only the stream with NO_ERROR, which RFC 9113 (8.1) provides for exactly this.
 */
export function abandonRequestBody(request: NodeRequest, response: Pick<NodeResponse, "setHeader">): void {
  if (!isHttp2(request)) {
    response.setHeader("connection", "close");
    return;
  }
  const stream = request.stream;
  stream.once("finish", () => {
    stream.close(http2Constants.NGHTTP2_NO_ERROR);
    // What arrived before the reset is dropped, so that the stream can end and be freed.
    request.resume();
  });
}
