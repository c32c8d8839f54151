import type http from "node:http";
import type http2 from "node:http2";

export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Answers a request and resolves true, or resolves false when the request is not its own. */
export type HttpRoute = (req: NodeRequest, res: NodeResponse) => Promise<boolean>;
