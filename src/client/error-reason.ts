import { ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";

/** The google.rpc.ErrorInfo domain of every error sched raises; the server writes it, clients read it. */
export const errorDomain = "sched.v1";

/**
 * The error code (docs/api.md) of a failed call (`slot_already_booked`,
 * `slot_being_booked`, …), read from the google.rpc.ErrorInfo that sched
 * attaches to every error; undefined for failures that never reached sched.
 */
export function errorReason(error: unknown): string | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  return error.findDetails(ErrorInfoSchema).find((info) => info.domain === errorDomain)?.reason;
}
