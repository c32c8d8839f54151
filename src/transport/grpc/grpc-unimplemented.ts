import { Code } from "@connectrpc/connect";
import { plainGrpcMessage } from "../errors/plain-grpc-message.js";
import type { NodeRequest, NodeResponse } from "../http/http-route.js";
import { requestTarget } from "../http/node-request.js";

const grpcContentType = /^application\/grpc(-web(-text)?)?(\+[\w-]+)?\s*(;|$)/i;

/**
 * gRPC and gRPC-Web clients read a call's outcome from grpc-status, not from
 * the HTTP status: a method the server does not have is UNIMPLEMENTED (12),
 * answered trailers-only, rather than REST's 404 with a JSON body. Resolves
 * false for any other request.
 */
export function answerUnknownGrpcMethod(req: NodeRequest, res: NodeResponse): boolean {
  const contentType = String(req.headers["content-type"] ?? "");
  if (!grpcContentType.test(contentType)) return false;
  const method = requestTarget(req).path.replace(/^\//, "").replace("/", ".");
  res.writeHead(200, {
    "content-type": contentType.split(";", 1)[0]!.trim(),
    "grpc-status": String(Code.Unimplemented),
    "grpc-message": encodeURIComponent(plainGrpcMessage(`unknown method ${method}`)),
  });
  res.end();
  return true;
}
