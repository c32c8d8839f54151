import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type MethodImplSpec } from "@connectrpc/connect";
import type { Logger } from "../../core/ports/logger.js";
import { AppointmentService } from "../../../gen/sched/v1/appointment_service_pb.js";
import { idempotentReplayedHeader } from "../services/appointment-service.js";
import { reasonOf, toConnectError } from "../errors/to-connect-error.js";
import { tookOverbookedPlace } from "../observability/overbooked-place.js";
import { currentRequest } from "../observability/request-context.js";
import { isServerFault, rpcStatusName } from "../observability/rpc-status.js";
import type { ServerMetrics } from "../observability/server-metrics.js";
import type { MethodSpec, ProcedureAccess, ProcedureChain } from "./procedure-table.js";

export interface ProcedureObserver {
  metrics: ServerMetrics;
  logger: Logger;
}

const bookingMethod = AppointmentService.method.createAppointment;

/**
 * What every call does once its message is read, whatever its protocol:
 * a failure of the sched services becomes a ConnectError carrying its domain
 * code (errors/error-table.ts is the one table), and the outcome reaches the
 * request's log line, the booking metric and, for our own faults, an error
 * log with the cause. Authentication and rate limiting come before, from the
 * headers (see server/request-handler.ts).
 */
export function procedureChain(observer: ProcedureObserver): ProcedureChain {
  return (spec, access) => {
    const fail = failureOf(access);
    const settle = (error?: ConnectError, context?: HandlerContext): void => settled(spec.method, observer, error, context);
    switch (spec.kind) {
      case "unary": {
        const impl = spec.impl;
        const observed: MethodSpec<"unary">["impl"] = async (request, context) => {
          try {
            const response = await impl(request, context);
            settle(undefined, context);
            return response;
          } catch (error) {
            throw settleFailure(fail(error, context), settle);
          }
        };
        return { ...spec, impl: observed };
      }
      case "server_streaming": {
        const impl = spec.impl;
        const observed: MethodSpec<"server_streaming">["impl"] = (request, context) =>
          observeStream(() => impl(request, context), (error) => fail(error, context), settle);
        return { ...spec, impl: observed };
      }
      case "client_streaming": {
        const impl = spec.impl;
        const observed: MethodSpec<"client_streaming">["impl"] = async (requests, context) => {
          try {
            const response = await impl(requests, context);
            settle();
            return response;
          } catch (error) {
            throw settleFailure(fail(error, context), settle);
          }
        };
        return { ...spec, impl: observed };
      }
      case "bidi_streaming": {
        const impl = spec.impl;
        const observed: MethodSpec<"bidi_streaming">["impl"] = (requests, context) =>
          observeStream(() => impl(requests, context), (error) => fail(error, context), settle);
        return { ...spec, impl: observed };
      }
    }
  };
}

type Failure = (error: unknown, context: HandlerContext) => ConnectError;

// Our own services' failures get their domain code; the gRPC health and
// reflection services keep the errors they raise.
function failureOf(access: ProcedureAccess): Failure {
  if (access === "caller") return (error, context) => toConnectError(error, context.protocolName);
  return (error) => ConnectError.from(error);
}

function settleFailure(failure: ConnectError, settle: (error?: ConnectError, context?: HandlerContext) => void): ConnectError {
  settle(failure);
  return failure;
}

async function* observeStream<T>(start: () => AsyncIterable<T>, fail: (error: unknown) => ConnectError, settle: (error?: ConnectError, context?: HandlerContext) => void): AsyncIterable<T> {
  try {
    yield* start();
    settle();
  } catch (error) {
    throw settleFailure(fail(error), settle);
  }
}

function settled(
  method: DescMethod,
  { metrics, logger }: ProcedureObserver,
  failure: ConnectError | undefined,
  context: HandlerContext | undefined,
): void {
  const procedure = `/${method.parent.typeName}/${method.name}`;
  const status = failure?.code ?? "ok";
  const record = currentRequest();
  if (record !== undefined) {
    record.procedure = procedure;
    record.rpcStatus = status;
    record.error = failure;
  }
  if (method === bookingMethod) {
    metrics.bookings.inc({ outcome: failure === undefined ? successOutcome(context) : (reasonOf(failure) ?? rpcStatusName(status)) });
  }
  if (failure === undefined && tookOverbookedPlace(context)) metrics.overbookings.inc({ procedure: method.name });
  if (failure === undefined) return;
  const fields = { procedure, code: rpcStatusName(status), reason: reasonOf(failure), err: failure.cause ?? failure };
  if (isServerFault(status)) logger.error(fields, "request failed");
  else if (failure.code === Code.Unavailable) logger.warn(fields, "a dependency is unavailable");
}

// A replayed answer booked nothing: counting it as created would count one
// booking as many as the client retried.
function successOutcome(context: HandlerContext | undefined): "created" | "replayed" {
  return context?.responseHeader.get(idempotentReplayedHeader) === "true" ? "replayed" : "created";
}
