import type http from "node:http";
import type http2 from "node:http2";

export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Answers a request and resolves true, or resolves false when the request is not its own. */
export type HttpRoute = (req: NodeRequest, res: NodeResponse) => Promise<boolean>;

/** The request target without its query. */
export function requestPath(req: NodeRequest): string {
  return (req.url ?? "/").split("?", 1)[0]!;
}

export function sendJson(res: NodeResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  res.end(JSON.stringify(body));
}
