import { createContextKey, createContextValues, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { NodeRequest } from "../http/http-route.js";

/**
 * The peer's address, which rate-limits requests that carry no valid token.
 * It is the socket's peer: behind a proxy every client shares the proxy's
 * address (no forwarding header is trusted).
 */
const clientAddressKey = createContextKey<string>("unknown", { description: "sched client address" });

/** Context values holding the request's peer address, for connect-node and the REST transcoder. */
export function clientAddressValues(request: NodeRequest): ContextValues {
  return createContextValues().set(clientAddressKey, request.socket?.remoteAddress ?? "unknown");
}

export function clientAddressOf(context: HandlerContext): string {
  return context.values.get(clientAddressKey);
}
