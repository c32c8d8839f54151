import { create, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { callContext } from "../http/call-context.js";
import { currentRequest } from "../observability/request-context.js";
import { withCaller } from "../security/caller-context.js";
import { clientAddressValues } from "../security/client-address.js";
import { requestHeaders, requestUrl, type NodeRequest } from "../http/node-request.js";
import { readBody } from "./read-body.js";
import { renderResponse } from "./render-json.js";
import { buildRequestMessage } from "./request-message.js";
import type { RestRoute } from "./routes.js";
import type { NodeResponse } from "../http/http-route.js";

export interface RouteCall {
  route: RestRoute;
  variables: Record<string, string>;
  query: URLSearchParams;
  request: NodeRequest;
  response: NodeResponse;
  maxBodyBytes: number;
  /** Ends a stream when the server drains; unary calls finish. */
  shutdownSignal?: AbortSignal | undefined;
}

export interface RouteAnswer {
  status: number;
  body: JsonValue;
  /** What the implementation put in its context's response headers. */
  headers: Headers;
}

// The reason the context's signal fires once the answer is ready: abort()
// without one builds a DOMException, stack trace and all, on every request.
const answered = new ConnectError("the request was answered", Code.Canceled);

/**
 * Calls a route's implementation the way connect-node would, with a handler
 * context carrying the HTTP request's headers (so Idempotency-Key reaches the
 * service) and a signal that fires when the client goes away.
 */
export async function callRoute(call: RouteCall): Promise<RouteAnswer> {
  const { route } = call;
  if (route.handler.kind !== "unary") throw new Error(`${route.procedure.path} is a stream`);
  const { input, context, finish } = await openCall(call);
  try {
    const output = create(route.output, await route.handler.call(input, context));
    return {
      status: route.successStatus,
      body: renderResponse(route.output, output, route.responseBodyField),
      headers: context.responseHeader,
    };
  } finally {
    finish();
  }
}

/** A call opened by openCall. */
export interface OpenCall {
  input: MessageShape<DescMessage>;
  context: HandlerContext;
  /** Ends the call once it is answered: its context's signal fires. */
  finish(): void;
}

/** A route's request message and handler context, and what ends the call once it is answered. */
export async function openCall({ route, variables, query, request, response, maxBodyBytes, shutdownSignal }: RouteCall): Promise<OpenCall> {
  const body = route.bodyField === undefined ? "" : await readBody(request, maxBodyBytes);
  // The Content-Type is not checked: the API reads any body as JSON
  // (docs/api.md), and `curl -d` sends form encoding unless told otherwise. A body
  // that is not JSON is refused as invalid_request_body all the same.
  const input = buildRequestMessage(route, { variables, query, body });
  const context = callContext(
    {
      method: route.method,
      protocolName: "rest",
      requestMethod: request.method ?? route.verb,
      url: requestUrl(request),
      shutdownSignal,
      requestHeader: requestHeaders(request),
      contextValues: withCaller(clientAddressValues(request), currentRequest()?.caller),
    },
    response,
  );
  return { input, context, finish: () => context.end(answered) };
}
