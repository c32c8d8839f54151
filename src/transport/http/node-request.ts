import type http2 from "node:http2";
import type { NodeRequest } from "./http-route.js";

export type { NodeRequest };

// Admission and then the protocol each need the headers of a call; building
// a fetch Headers validates every name and value, so each request builds one.
const built = new WeakMap<NodeRequest, Headers>();

/**
 * The request's headers as a fetch Headers, which handler contexts carry;
 * HTTP/2 pseudo-headers left out. Built once per request: callers read it
 * and never change it (handler contexts take a copy).
 */
export function requestHeaders(request: NodeRequest): Headers {
  const known = built.get(request);
  if (known !== undefined) return known;
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  built.set(request, headers);
  return headers;
}

/**
 * The path and query of the request target, split by hand: the URL parser
 * would resolve dot segments and read "//x" as a host, so that a path could
 * match a route it does not spell.
 */
export function requestTarget(request: NodeRequest): { path: string; query: URLSearchParams } {
  const target = request.url ?? "/";
  const question = target.indexOf("?");
  if (question < 0) return { path: target, query: new URLSearchParams() };
  return { path: target.slice(0, question), query: new URLSearchParams(target.slice(question + 1)) };
}

/** The absolute URL, as connect-node gives it to handler contexts. */
export function requestUrl(request: NodeRequest): string {
  const encrypted = "encrypted" in request.socket && request.socket.encrypted === true;
  const authority = ("authority" in request ? request.authority : request.headers.host) ?? "localhost";
  return `${encrypted ? "https" : "http"}://${authority}${request.url ?? "/"}`;
}

export function isHttp2(request: NodeRequest): request is http2.Http2ServerRequest {
  return "stream" in request;
}
