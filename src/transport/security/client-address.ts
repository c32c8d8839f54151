import { createContextKey, createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { NodeRequest } from "../http/http-route.js";

/**
 * The peer's address, which rate-limits requests that carry no valid token.
 * It is the socket's peer: behind a proxy every client shares the proxy's
 * address (no forwarding header is trusted).
 */
const clientAddressKey = createContextKey<string>("unknown", { description: "sched client address" });
/** The connection the request came on: its HTTP/2 session, or its HTTP/1.1 socket. */
const clientConnectionKey = createContextKey<object | undefined>(undefined, { description: "sched client connection" });

/** Context values holding the request's peer address and connection, for connect-node and the REST transcoder. */
export function clientAddressValues(request: NodeRequest): ContextValues {
  const connection = "stream" in request ? request.stream.session : request.socket;
  return createContextValues()
    .set(clientAddressKey, request.socket?.remoteAddress ?? "unknown")
    .set(clientConnectionKey, connection ?? undefined);
}

export function clientConnectionOf(context: HandlerContext): object | undefined {
  return context.values.get(clientConnectionKey);
}

export function clientAddressOf(context: HandlerContext): string {
  return context.values.get(clientAddressKey);
}

/** The peer's address of a request, for admission before any handler context exists. */
export function clientAddress(request: NodeRequest): string {
  return request.socket?.remoteAddress ?? "unknown";
}
