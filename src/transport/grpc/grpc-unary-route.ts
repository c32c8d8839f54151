import { constants as http2Constants, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressionNegotiate, encodeEnvelope, envelopeCompress, envelopeDecompress } from "@connectrpc/connect/protocol";
import {
  contentTypeProto,
  grpcStatusOk,
  headerAcceptEncoding,
  headerEncoding,
  headerTimeout,
  parseContentType,
  parseTimeout,
  setTrailerStatus,
} from "@connectrpc/connect/protocol-grpc";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { currentRequest } from "../observability/request-context.js";
import { withCaller } from "../security/caller-context.js";
import { clientAddressValues } from "../security/client-address.js";
import type { HttpRoute } from "../http/http-route.js";
import type { MethodSpec, Procedure } from "../procedures/procedure-table.js";
import { isHttp2, requestHeaders, requestUrl } from "../http/node-request.js";
import { readRequestBytes } from "../http/read-request-bytes.js";
import { callContext } from "../http/call-context.js";
import { unaryEnvelope } from "./unary-envelope.js";

export interface GrpcUnaryRouteOptions {
  /** The largest message accepted, as connect-node's readMaxBytes. */
  maxBodyBytes: number;
  /** Ends long-lived calls when the server drains; unary calls finish. */
  shutdownSignal?: AbortSignal;
}

// What connect-node's adapter accepts by default, and its threshold for compressing an answer.
const acceptCompression = [compressionGzip, compressionBrotli];
const compressMinBytes = 1024;
const answered = new ConnectError("the call was answered", Code.Canceled);

/**
 * Unary gRPC calls over HTTP/2 with binary messages, the shape every gRPC
 * client sends, answered without connect-node's streaming pipeline: read the
 * one enveloped message, call the same service method every protocol calls,
 * answer with one message and the status in the trailers. connect-node spent
 * more than twice the CPU of a REST call per booking there, in async
 * iterators built for streams. Anything else (JSON messages, gRPC-Web,
 * Connect, streaming, health and reflection) goes on to connect-node.
 * Failures carry the codes and words connect-node gives them.
 */
export function grpcUnaryRoute(procedures: readonly Procedure[], options: GrpcUnaryRouteOptions): HttpRoute {
  const methods = new Map<string, MethodSpec<"unary">>();
  for (const { path, spec, implemented } of procedures) if (spec.kind === "unary" && implemented) methods.set(path, spec);
  return async (request, response) => {
    if (!isHttp2(request) || !("stream" in response) || request.method !== "POST") return false;
    const unary = methods.get(request.url ?? "");
    if (unary === undefined || parseContentType(request.headers["content-type"] ?? null)?.binary !== true) return false;
    const record = currentRequest();
    if (record !== undefined) record.protocol = "grpc";
    await answer(unary, request, response, options);
    return true;
  };
}

async function answer({ method, impl }: MethodSpec<"unary">, request: Http2ServerRequest, response: Http2ServerResponse, options: GrpcUnaryRouteOptions): Promise<void> {
  const requestHeader = requestHeaders(request);
  const timeout = parseTimeout(requestHeader.get(headerTimeout), Number.MAX_SAFE_INTEGER);
  const context = callContext(
    {
      method,
      protocolName: "grpc",
      requestMethod: "POST",
      url: requestUrl(request),
      timeoutMs: timeout.timeoutMs,
      shutdownSignal: options.shutdownSignal,
      requestHeader,
      responseHeader: { "content-type": contentTypeProto },
      responseTrailer: { "grpc-status": grpcStatusOk },
      contextValues: withCaller(clientAddressValues(request), currentRequest()?.caller),
    },
    response,
  );
  const compression = compressionNegotiate(acceptCompression, requestHeader.get(headerEncoding), requestHeader.get(headerAcceptEncoding), headerAcceptEncoding);
  if (compression.response) context.responseHeader.set(headerEncoding, compression.response.name);
  let body: Uint8Array | undefined;
  try {
    if (compression.error) throw compression.error;
    if (timeout.error) throw timeout.error;
    const bytes = await readRequestBytes(request, options.maxBodyBytes + 5, {
      tooLarge: () => {
        discardRest(request, options.maxBodyBytes);
        return new ConnectError(`message size is larger than configured readMaxBytes ${options.maxBodyBytes}`, Code.ResourceExhausted);
      },
      endedEarly: () => new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument),
    });
    const envelope = await envelopeDecompress(unaryEnvelope(bytes, options.maxBodyBytes, method.methodKind), compression.request, options.maxBodyBytes);
    const output = create(method.output, await impl(parse(method.input, envelope.data), context));
    const message = await envelopeCompress({ flags: 0, data: serialize(method.output, output) }, compression.response, compressMinBytes);
    body = encodeEnvelope(message.flags, message.data);
  } catch (error) {
    const failure = error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error);
    setTrailerStatus(context.responseTrailer, failure);
  } finally {
    context.end(answered);
  }
  if (response.headersSent || response.destroyed) return;
  response.writeHead(200, Object.fromEntries(context.responseHeader));
  response.addTrailers(Object.fromEntries(context.responseTrailer));
  if (body === undefined) response.end();
  else response.end(body);
}

/**
 * The refusal of an oversized body travels in the trailers, which resetting
 * the stream at once would cut off (REST's way): the rest of the body is read
 * and dropped while the answer goes out, up to `limit` more bytes, past which
 * a client still sending has had its answer long ago and the stream is reset.
 */
function discardRest(request: Http2ServerRequest, limit: number): void {
  let discarded = 0;
  request.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit) request.stream.close(http2Constants.NGHTTP2_CANCEL);
  });
  request.resume();
}

function parse<T extends DescMessage>(schema: T, bytes: Uint8Array): MessageShape<T> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    throw new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal);
  }
}

function serialize<T extends DescMessage>(schema: T, message: MessageShape<T>): Uint8Array {
  try {
    return toBinary(schema, message);
  } catch (error) {
    throw new ConnectError(`serialize binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal);
  }
}
