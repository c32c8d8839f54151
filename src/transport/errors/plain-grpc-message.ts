// connect-node percent-encodes grpc-message with encodeURIComponent, and
// @grpc/grpc-js, the most common gRPC client in Node, decodes it with
// decodeURI, which leaves these characters encoded: a comma would reach its
// users as "%2C". Messages sent over gRPC are therefore written without them.
const reservedSeparators = /\s*[,;:]\s*/g;
const reservedCharacters = /[/?@&=+$#]/g;

export function plainGrpcMessage(message: string): string {
  return message.replace(reservedSeparators, " - ").replace(reservedCharacters, " ");
}
