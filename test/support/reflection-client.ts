import type { MessageInitShape } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  ServerReflection,
  type ServerReflectionRequestSchema,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";

export type ReflectionQuestion = MessageInitShape<typeof ServerReflectionRequestSchema>["messageRequest"];

/**
 * Asks the questions on one ServerReflectionInfo stream over gRPC, as
 * reflection clients do, and collects the answers in order.
 */
export async function askReflection(port: number, questions: ReflectionQuestion[]): Promise<ServerReflectionResponse[]> {
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` });
  const client = createClient(ServerReflection, transport);
  async function* requests() {
    for (const messageRequest of questions) yield { host: "", messageRequest };
  }
  const answers: ServerReflectionResponse[] = [];
  for await (const answer of client.serverReflectionInfo(requests())) answers.push(answer);
  return answers;
}
