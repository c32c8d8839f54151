import { isRestRouteErrorCode, isSchedError, type ErrorCode, type RestRouteErrorCode } from "../../core/errors.js";
import { errorStatuses, restProtocolStatuses } from "../errors/error-table.js";
import { reasonOf, toConnectError } from "../errors/to-connect-error.js";

/** The REST error body (docs/api.md, Errors): the error code and a message for people. */
export interface RestErrorBody {
  error: string;
  details: string;
}

export interface RestErrorResponse {
  status: number;
  body: RestErrorBody;
  /** Headers the error asks for, such as a rate limit's Retry-After. */
  headers?: Headers;
}

// The only error metadata a REST client is told: the rest is gRPC's business.
const restErrorHeaders = ["retry-after"];

export function protocolErrorResponse(failure: RestRouteErrorCode, details: string): RestErrorResponse {
  return { status: restProtocolStatuses[failure], body: { error: failure, details } };
}

/**
 * The answer to a failed request. Implementations throw ConnectErrors whose
 * ErrorInfo reason is the error code, the REST layer SchedErrors (its own
 * route failures among them); whatever else arrives is an internal error,
 * whose details never carry a stack, SQL or driver text.
 */
export function errorResponse(error: unknown): RestErrorResponse {
  if (isSchedError(error) && isRestRouteErrorCode(error.code)) return protocolErrorResponse(error.code, error.message);
  const connectError = toConnectError(error);
  const reason = reasonOf(connectError);
  if (reason === undefined || reason === "internal_error" || !isKnownCode(reason)) {
    return { status: errorStatuses.internal_error.http, body: { error: "internal_error", details: "internal error" } };
  }
  return {
    status: errorStatuses[reason].http,
    body: { error: reason, details: connectError.rawMessage },
    headers: headersOf(reason, connectError.metadata),
  };
}

function headersOf(reason: ErrorCode, metadata: Headers): Headers | undefined {
  const headers = new Headers();
  // RFC 6750 section 3: a 401 names the scheme it wants, and no more.
  if (reason === "unauthenticated") headers.set("www-authenticate", 'Bearer realm="sched"');
  for (const name of restErrorHeaders) {
    const value = metadata.get(name);
    if (value !== null) headers.set(name, value);
  }
  return [...headers.keys()].length === 0 ? undefined : headers;
}

// A reason is only a string on the wire: one this table lacks is not trusted.
function isKnownCode(reason: string): reason is ErrorCode {
  return Object.hasOwn(errorStatuses, reason);
}
