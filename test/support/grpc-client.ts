import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

export interface GrpcAnswer<O extends DescMessage> {
  response?: MessageShape<O>;
  error?: grpc.ServiceError;
  /** The response headers. */
  headers: grpc.Metadata;
}

/** An independent gRPC client (@grpc/grpc-js), with protobuf-es doing the (de)serialisation. */
export function grpcClient(port: number): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

export function grpcUnary<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
  metadata = new grpc.Metadata(),
): Promise<GrpcAnswer<O>> {
  const { input, output } = method;
  return new Promise((resolve) => {
    let headers = new grpc.Metadata();
    const call = client.makeUnaryRequest(
      pathOf(method),
      (message: MessageShape<I>) => Buffer.from(toBinary(input, message)),
      (bytes: Buffer) => fromBinary(output, bytes),
      create(input, request),
      metadata,
      { deadline: Date.now() + 10_000 },
      (error, response) => resolve(error ? { error, headers } : { response: response!, headers }),
    );
    call.on("metadata", (received) => (headers = received));
  });
}

export interface OpenStream<O extends DescMessage> {
  first: Promise<MessageShape<O>>;
  /** Resolves with the call's final status, whoever ends it. */
  ended: Promise<grpc.status>;
  cancel(): void;
}

export function grpcServerStream<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethodServerStreaming<I, O>,
  request: MessageInitShape<I>,
): OpenStream<O> {
  const { input, output } = method;
  const call = client.makeServerStreamRequest(
    pathOf(method),
    (message: MessageShape<I>) => Buffer.from(toBinary(input, message)),
    (bytes: Buffer) => fromBinary(output, bytes),
    create(input, request),
  );
  const first = new Promise<MessageShape<O>>((resolve, reject) => {
    call.once("data", resolve);
    call.once("error", reject);
  });
  const ended = new Promise<grpc.status>((resolve) => call.once("status", (status: grpc.StatusObject) => resolve(status.code)));
  call.on("error", () => {});
  return { first, ended, cancel: () => call.cancel() };
}

/** The first message of a server stream, after which the call is cancelled. */
export async function grpcFirstStreamed<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethodServerStreaming<I, O>,
  request: MessageInitShape<I>,
): Promise<MessageShape<O>> {
  const stream = grpcServerStream(client, method, request);
  try {
    return await stream.first;
  } finally {
    stream.cancel();
  }
}

function pathOf(method: { name: string; parent: { typeName: string } }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** The google.rpc.ErrorInfo reasons carried in grpc-status-details-bin (a google.rpc.Status). */
export function errorInfoReasons(error: grpc.ServiceError): string[] {
  const [details] = error.metadata.get("grpc-status-details-bin");
  return details instanceof Buffer ? statusDetailsReasons(details) : [];
}

/** The google.rpc.ErrorInfo reasons of an encoded google.rpc.Status. */
export function statusDetailsReasons(details: Uint8Array): string[] {
  const reasons: string[] = [];
  const reader = new BinaryReader(details);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field !== 3) {
      reader.skip(wireType);
      continue;
    }
    const any = fromBinary(AnySchema, reader.bytes());
    if (any.typeUrl.endsWith("/google.rpc.ErrorInfo")) reasons.push(fromBinary(ErrorInfoSchema, any.value).reason);
  }
  return reasons;
}
