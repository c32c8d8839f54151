import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import type { FileDescriptors, ReflectionCatalog } from "./reflection-catalog.js";

type MessageResponse = MessageInitShape<typeof ServerReflectionResponseSchema>["messageResponse"];

/**
 * Answers one request of a ServerReflectionInfo stream. Whatever cannot be
 * answered is an error_response, as the reflection protocol asks, so that the
 * stream stays open for the client's next question.
 */
export function reflectionAnswer(catalog: ReflectionCatalog, request: ServerReflectionRequest): ServerReflectionResponse {
  return create(ServerReflectionResponseSchema, {
    validHost: request.host,
    originalRequest: request,
    messageResponse: messageResponse(catalog, request.messageRequest),
  });
}

function messageResponse(catalog: ReflectionCatalog, question: ServerReflectionRequest["messageRequest"]): MessageResponse {
  switch (question.case) {
    case "listServices":
      return { case: "listServicesResponse", value: { service: catalog.serviceNames.map((name) => ({ name })) } };
    case "fileByFilename":
      return files(catalog.fileByName(question.value), `no file named ${question.value}`);
    case "fileContainingSymbol":
      return files(catalog.fileContainingSymbol(question.value), `no symbol named ${question.value}`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = question.value;
      const found = catalog.fileContainingExtension(containingType, extensionNumber);
      return files(found, `no extension ${extensionNumber} of ${containingType}`);
    }
    case "allExtensionNumbersOfType": {
      const numbers = catalog.extensionNumbersOf(question.value);
      if (numbers === undefined) return failure(Code.NotFound, `no message named ${question.value}`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: question.value, extensionNumber: numbers } };
    }
    default:
      return failure(Code.InvalidArgument, "the request asks nothing");
  }
}

function files(found: FileDescriptors | undefined, notFound: string): MessageResponse {
  if (found === undefined) return failure(Code.NotFound, notFound);
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: found } };
}

// connect's codes are gRPC's status codes, which is what error_code carries.
function failure(code: Code, message: string): MessageResponse {
  return { case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}
