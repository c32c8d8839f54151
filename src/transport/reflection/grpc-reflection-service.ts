import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { ServerReflection } from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import type { ServiceBinding } from "../services/bindings.js";
import { reflectionAnswer } from "./reflection-answer.js";
import { reflectionCatalog } from "./reflection-catalog.js";

// Errors carry a google.rpc.ErrorInfo inside an Any, which no service file
// imports; describing it lets grpcurl print its reason as JSON instead of
// base64 (buf curl prints details as base64 whatever reflection says).
const errorDetailFiles = [ErrorInfoSchema.file];

/**
 * grpc.reflection.v1.ServerReflection over the served services and itself,
 * so that buf curl and grpcurl can call the server without a schema file.
 */
export function grpcReflectionBinding(served: readonly DescService[]): ServiceBinding {
  const catalog = reflectionCatalog([...served, ServerReflection], errorDetailFiles);
  const implementation: ServiceImpl<typeof ServerReflection> = {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) yield reflectionAnswer(catalog, request);
    },
  };
  return { service: ServerReflection, implementation: implementation as unknown as ServiceBinding["implementation"] };
}
