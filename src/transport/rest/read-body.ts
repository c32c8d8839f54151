import { constants as http2Constants } from "node:http2";
import type { Readable } from "node:stream";
import { SchedError } from "../../core/errors.js";
import { ProtocolError } from "./error-response.js";
import { isHttp2, type NodeRequest } from "./node-request.js";
import type { NodeResponse } from "./write-json.js";

function tooLarge(maxBytes: number): ProtocolError {
  return new ProtocolError("request_too_large", `the request body is larger than ${maxBytes} bytes`);
}

/**
 * The whole body as text, refusing more than maxBytes without reading on: a
 * Content-Length over the cap before the first byte, a chunked body as soon
 * as it passes the cap.
 */
export function readBody(request: NodeRequest, maxBytes: number): Promise<string> {
  const declared = Number(request.headers["content-length"]);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
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
      settle(() => reject(tooLarge(maxBytes)));
    };
    const onEnd = () => settle(() => resolveText(Buffer.concat(chunks), resolve, reject));
    // A client that goes away mid-body made a mistake of its own, not the server.
    const onEarlyEnd = () => settle(() => reject(new SchedError("invalid_request_body", "the request body ended early")));
    stream.on("data", onData).on("end", onEnd).on("error", onEarlyEnd).on("close", onEarlyEnd);
  });
}

function resolveText(bytes: Buffer, resolve: (text: string) => void, reject: (error: unknown) => void): void {
  try {
    resolve(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    reject(new SchedError("invalid_request_body", "the request body is not UTF-8 text"));
  }
}

/**
 * After refusing a body unread, ends the exchange instead of draining the
 * rest: HTTP/1.1 closes the connection once the answer is sent, HTTP/2 resets
 * only the stream with NO_ERROR, which RFC 9113 (8.1) provides for exactly this.
 */
export function abandonRequestBody(request: NodeRequest, response: NodeResponse): void {
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
