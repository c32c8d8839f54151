import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { isApiErrorCode, SchedError, type ErrorCode } from "../../core/errors.js";
import { ErrorInfoSchema, RetryInfoSchema } from "../../../gen/google/rpc/error_details_pb.js";
import { errorDomain } from "../../client/error-reason.js";
import { errorStatuses } from "./error-table.js";
import { plainGrpcMessage } from "./plain-grpc-message.js";


function withReason(message: string, code: Code, reason: ErrorCode, cause?: unknown, metadata: Record<string, string> = {}): ConnectError {
  const info = create(ErrorInfoSchema, { reason, domain: errorDomain, metadata });
  return new ConnectError(message, code, undefined, [{ desc: ErrorInfoSchema, value: info }], cause);
}

/** Where a watcher whose buffer filled resumes from, as metadata (gRPC trailers, Connect's end of stream). */
export const resumeAfterHeader = "resume-after";

/**
 * Every failure leaves a handler as a ConnectError carrying a
 * google.rpc.ErrorInfo whose reason is the error code; REST derives its status
 * and body from the same error. Anything that is not a domain error is an
 * internal error whose details stay in `cause`, for the log only. `protocol`
 * is the handler context's protocolName; over gRPC the message is made plain.
 */
export function toConnectError(error: unknown, protocol?: string): ConnectError {
  // A SchedError with a code no API caller can receive (a REST route's own
  // failure, or the CLI's) reaching an RPC is a bug: an internal error.
  if (error instanceof SchedError && isApiErrorCode(error.code)) {
    const message = protocol === "grpc" ? plainGrpcMessage(error.message) : error.message;
    const resume: Record<string, string> = error.resumeAfter === undefined ? {} : { resume_after: error.resumeAfter };
    const connectError = withReason(message, errorStatuses[error.code].code, error.code, error, resume);
    if (error.retryAfterMs !== undefined) withRetryAfter(connectError, error.retryAfterMs);
    if (error.resumeAfter !== undefined) connectError.metadata.set(resumeAfterHeader, error.resumeAfter);
    return connectError;
  }
  if (error instanceof ConnectError) {
    if (reasonOf(error) !== undefined) return error;
    return withReason(error.rawMessage, error.code, reasonForCode(error.code), error);
  }
  return withReason("internal error", Code.Internal, "internal_error", error);
}

/**
 * A Retry-After header in whole seconds (REST and Connect carry an error's
 * metadata as headers, gRPC as trailers) and a google.rpc.RetryInfo detail.
 */
function withRetryAfter(error: ConnectError, retryAfterMs: number): void {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  error.metadata.set("retry-after", String(seconds));
  error.details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: durationFromMs(seconds * 1000) }) });
}

/** The error code of an error made by toConnectError, or undefined. */
export function reasonOf(error: ConnectError): ErrorCode | undefined {
  const info = error.findDetails(ErrorInfoSchema).find((detail) => detail.domain === errorDomain);
  return info?.reason as ErrorCode | undefined;
}

// A ConnectError raised by the framework itself (a malformed request, a
// deadline) gets the nearest error code, so that every answer has one.
function reasonForCode(code: Code): ErrorCode {
  switch (code) {
    case Code.InvalidArgument:
      return "invalid_request_body";
    case Code.Unavailable:
    case Code.DeadlineExceeded:
      return "unavailable";
    default:
      return "internal_error";
  }
}
