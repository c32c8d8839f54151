import type { ConnectRouterOptions } from "@connectrpc/connect";

/**
 * JSON options for connect-node that decode every JSON message (Connect,
 * gRPC-Web and gRPC with +json) as strict UTF-8. connect-es decodes with a
 * lenient TextDecoder by default, which turns invalid bytes into U+FFFD and
 * so stores text the caller never sent; with a fatal one they are a parse
 * failure, invalid_argument, as REST answers them.
 *
 * connect-es's JSON serialization reads `textDecoder` from these options,
 * but its router options do not declare the field, hence the cast; the
 * strict-UTF-8 test fails if an upgrade stops honouring it.
 */
export const strictJsonOptions = {
  textDecoder: new TextDecoder("utf-8", { fatal: true }),
} as ConnectRouterOptions["jsonOptions"];
