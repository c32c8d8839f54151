import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { Logger } from "../../core/ports/logger.js";
import { AppointmentService } from "../../../gen/sched/v1/appointment_service_pb.js";
import { idempotentReplayedHeader } from "../services/appointment-service.js";
import { reasonOf } from "../errors/to-connect-error.js";
import type { ServiceBinding } from "../services/bindings.js";
import { currentRequest } from "./request-context.js";
import { isServerFault, rpcStatusName } from "./rpc-status.js";
import type { ServerMetrics } from "./server-metrics.js";

export interface BindingObserver {
  metrics: ServerMetrics;
  logger: Logger;
}

type Method = (request: unknown, context: unknown) => unknown;

const bookingMethod = AppointmentService.method.createAppointment;

/**
 * Wraps every service method so that its outcome reaches the request's log
 * line, the booking metrics and, for our own faults, an error log with the
 * cause. Both the Connect router and the REST transcoder call these methods,
 * so every protocol is observed in this one place.
 */
export function observedBindings(bindings: ServiceBinding[], observer: BindingObserver): ServiceBinding[] {
  return bindings.map(({ service, implementation }) => {
    const methods = implementation as Record<string, Method | undefined>;
    const observed: Record<string, Method> = {};
    for (const method of service.methods) {
      const handler = methods[method.localName];
      if (handler !== undefined) observed[method.localName] = observe(method, handler, observer);
    }
    return { service, implementation: observed as unknown as ServiceBinding["implementation"] };
  });
}

function observe(method: DescMethod, handler: Method, observer: BindingObserver): Method {
  const settle = (error?: unknown, context?: unknown): void => settled(method, observer, error, context);
  if (method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming") {
    return (request, context) => observeStream(handler(request, context) as AsyncIterable<unknown>, settle);
  }
  return async (request, context) => {
    try {
      const response = await handler(request, context);
      settle(undefined, context);
      return response;
    } catch (error) {
      settle(error);
      throw error;
    }
  };
}

async function* observeStream(responses: AsyncIterable<unknown>, settle: (error?: unknown) => void): AsyncIterable<unknown> {
  try {
    yield* responses;
    settle();
  } catch (error) {
    settle(error);
    throw error;
  }
}

function settled(method: DescMethod, { metrics, logger }: BindingObserver, error: unknown, context?: unknown): void {
  const failure = error === undefined ? undefined : ConnectError.from(error);
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
  // The REST handler logs the failures it answers itself.
  if (failure === undefined || record?.protocol === "rest") return;
  const fields = { procedure, code: rpcStatusName(status), reason: reasonOf(failure), err: failure.cause ?? failure };
  if (isServerFault(status)) logger.error(fields, "request failed");
  else if (failure.code === Code.Unavailable) logger.warn(fields, "a dependency is unavailable");
}

// A replayed answer booked nothing: counting it as created would count one
// booking as many as the client retried.
function successOutcome(context: unknown): "created" | "replayed" {
  const headers = (context as Partial<HandlerContext> | undefined)?.responseHeader;
  return headers?.get(idempotentReplayedHeader) === "true" ? "replayed" : "created";
}
