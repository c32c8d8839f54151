import { Code, ConnectError } from "@connectrpc/connect";
import type { EnvelopedMessage } from "@connectrpc/connect/protocol";

/**
 * The one message of a unary gRPC request body: a 5-byte prefix (flags, then
 * the length, big-endian) and the message. Every refusal has the code and
 * the words connect-node gives the same body, so that a client cannot tell
 * which path read it.
 */
export function unaryEnvelope(body: Uint8Array, readMaxBytes: number, methodKind: string): EnvelopedMessage {
  if (body.byteLength === 0) throw new ConnectError(`protocol error: missing input message for ${methodKind} method`, Code.Unimplemented);
  if (body.byteLength < 5) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const length = view.getUint32(1);
  if (length > readMaxBytes) {
    throw new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
  }
  const end = 5 + length;
  if (body.byteLength < end) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if (body.byteLength > end) throw new ConnectError(`protocol error: received extra input message for ${methodKind} method`, Code.Unimplemented);
  return { flags: view.getUint8(0), data: body.subarray(5, end) };
}
