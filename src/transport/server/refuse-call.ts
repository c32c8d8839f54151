import { constants as http2Constants, type ServerHttp2Stream } from "node:http2";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { toConnectError } from "../errors/to-connect-error.js";
import type { NodeRequest, NodeResponse } from "../http/http-route.js";
import { abandonRequestBody } from "../http/read-request-bytes.js";
import { writeJson } from "../http/write-json.js";
import type { Protocol } from "../observability/request-context.js";
import { errorResponse } from "../rest/error-response.js";

/**
 * Answers a call refused before its body was read (not admitted, or over its
 * rate limit) in its protocol's own form, then ends the exchange without
 * reading the body: the refusal costs the same whatever the body's size.
 */
export function refuseCall(protocol: Protocol, request: NodeRequest, response: NodeResponse, error: unknown): void {
  if (protocol === "grpc" && "stream" in request) discardBody(request.stream);
  else if (bodyPending(request)) abandonRequestBody(request, response);
  if (protocol === "rest") {
    const { status, body, headers } = errorResponse(error);
    writeJson(response, status, { ...body }, headers);
    return;
  }
  const failure = toConnectError(error, protocol);
  if (response.headersSent || response.destroyed) return;
  const contentType = request.headers["content-type"] ?? "";
  switch (protocol) {
    case "connect": {
      // A unary Connect error: its HTTP status, the error as JSON, its metadata as headers.
      const headers = Object.fromEntries(failure.metadata);
      response.writeHead(codeToHttpStatus(failure.code), { ...headers, "content-type": "application/json" });
      response.end(errorToJsonBytes(failure, {}));
      return;
    }
    case "grpc": {
      // As connect-node answers a failed call: headers, then the status in the trailers.
      response.writeHead(200, { "content-type": contentType });
      response.addTrailers(Object.fromEntries(setTrailerStatus(new Headers(), failure)));
      response.end();
      return;
    }
    case "grpc-web": {
      // gRPC-Web carries the status in a trailer frame at the end of the body.
      const trailer = setTrailerStatus(new Headers(), failure);
      response.writeHead(200, { "content-type": contentType });
      response.end(encodeEnvelope(trailerFlag, trailerSerialize(trailer)));
      return;
    }
  }
}

// gRPC clients read a status sent while they still send, but some take a
// reset that follows it as the call's failure: what arrives is dropped
// unread, and a client that goes on past a body's cap is cut off.
function discardBody(stream: ServerHttp2Stream): void {
  let discarded = 0;
  stream.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > discardLimitBytes && !stream.closed) stream.close(http2Constants.NGHTTP2_CANCEL);
  });
  stream.resume();
}

const discardLimitBytes = 1024 * 1024;

// Whether the client may still be sending a body that nobody will read.
function bodyPending(request: NodeRequest): boolean {
  if (request.complete) return false;
  if ("stream" in request) return !request.stream.endAfterHeaders;
  return Number(request.headers["content-length"] ?? 0) > 0 || request.headers["transfer-encoding"] !== undefined;
}
