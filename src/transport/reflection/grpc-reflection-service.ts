import { fromBinary, toBinary, type DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import {
  ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
} from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import {
  ServerReflection as ServerReflectionV1alpha,
  ServerReflectionRequestSchema as RequestSchemaV1alpha,
  ServerReflectionResponseSchema as ResponseSchemaV1alpha,
} from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { served, type ServedService } from "../procedures/procedure-table.js";
import { reflectionAnswer } from "./reflection-answer.js";
import { reflectionCatalog } from "./reflection-catalog.js";

// Errors carry a google.rpc.ErrorInfo inside an Any, which no service file
// imports; describing it lets grpcurl print its reason as JSON instead of
// base64 (buf curl prints details as base64 whatever reflection says).
const errorDetailFiles = [ErrorInfoSchema.file];

/**
 * grpc.reflection.v1.ServerReflection over the served services and itself,
 * so that buf curl and grpcurl can call the server without a schema file;
 * and the same as grpc.reflection.v1alpha, which older grpcurl and
 * `buf curl --reflect-protocol grpc-v1alpha` speak.
 */
export function grpcReflectionServices(services: readonly DescService[]): ServedService[] {
  const catalog = reflectionCatalog([...services, ServerReflection, ServerReflectionV1alpha], errorDetailFiles);
  const v1: ServiceImpl<typeof ServerReflection> = {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) yield reflectionAnswer(catalog, request);
    },
  };
  // v1alpha's messages are v1's under another package, field for field, so
  // that each question passes to v1 and each answer back as the same bytes.
  const v1alpha: ServiceImpl<typeof ServerReflectionV1alpha> = {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        const answer = reflectionAnswer(catalog, fromBinary(ServerReflectionRequestSchema, toBinary(RequestSchemaV1alpha, request)));
        yield fromBinary(ResponseSchemaV1alpha, toBinary(ServerReflectionResponseSchema, answer));
      }
    },
  };
  return [served(ServerReflection, v1, "open"), served(ServerReflectionV1alpha, v1alpha, "open")];
}
