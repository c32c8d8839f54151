import type { DescService } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { AppointmentService as AppointmentServiceDesc } from "../../../gen/sched/v1/appointment_service_pb.js";
import { DirectoryService as DirectoryServiceDesc } from "../../../gen/sched/v1/directory_service_pb.js";
import { SlotService as SlotServiceDesc } from "../../../gen/sched/v1/slot_service_pb.js";
import { toConnectError } from "../errors/to-connect-error.js";
import { callerKey } from "../security/caller-context.js";
import { openAccess, type Authenticate } from "../security/authenticate.js";
import { appointmentService } from "./appointment-service.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { directoryService } from "./directory-service.js";
import { slotService } from "./slot-service.js";

/** A generated service descriptor with the implementation that serves it. */
export interface ServiceBinding {
  service: DescService;
  implementation: Partial<ServiceImpl<DescService>>;
}

type UnaryMethod = (request: unknown, context: HandlerContext) => Promise<unknown>;

// Both the Connect router and the REST transcoder call these implementations,
// so authenticating and translating errors here gives every protocol the same
// caller and the same error for the same failure.
function guarded<S extends DescService>(
  service: S,
  implementation: ServiceImpl<S>,
  authenticate: Authenticate,
): Partial<ServiceImpl<DescService>> {
  const translated: Record<string, UnaryMethod> = {};
  for (const method of service.methods) {
    const handler = (implementation as unknown as Record<string, UnaryMethod>)[method.localName]!;
    translated[method.localName] = async (request, context) => {
      try {
        context.values.set(callerKey, await authenticate(context));
        return await handler(request, context);
      } catch (error) {
        throw toConnectError(error, context.protocolName);
      }
    };
  }
  return translated as unknown as Partial<ServiceImpl<DescService>>;
}

/** Serves the core; without an authenticator everybody is the anonymous caller. */
export function schedServiceBindings(core: CoreServices, authenticate: Authenticate = openAccess): ServiceBinding[] {
  const bind = <S extends DescService>(service: S, implementation: ServiceImpl<S>): ServiceBinding => ({
    service,
    implementation: guarded(service, implementation, authenticate),
  });
  return [
    bind(AppointmentServiceDesc, appointmentService(core)),
    bind(SlotServiceDesc, slotService(core)),
    bind(DirectoryServiceDesc, directoryService(core)),
  ];
}

export function registerBindings(router: ConnectRouter, bindings: ServiceBinding[]): void {
  for (const { service, implementation } of bindings) router.service(service, implementation);
}
