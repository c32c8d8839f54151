import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { createServiceImplSpec, type MethodImplSpec, type ServiceImpl } from "@connectrpc/connect";

/**
 * Whether a procedure needs a caller: the sched services ask who calls, from
 * the headers, before a byte of the body is read; the gRPC health and
 * reflection services are open.
 */
export type ProcedureAccess = "caller" | "open";

/** An implementation of one kind of method, as connect types it. */
export type MethodSpec<K extends MethodImplSpec["kind"]> = Extract<MethodImplSpec, { kind: K }>;

/** The one handler type of a unary procedure, whatever protocol calls it. */
export type UnaryCall = MethodSpec<"unary">["impl"];

/** The one handler type of a server-streaming procedure. */
export type StreamCall = MethodSpec<"server_streaming">["impl"];

/** One RPC, as every protocol serves it. */
export interface Procedure {
  /** "/sched.v1.AppointmentService/CreateAppointment": the gRPC and Connect path, and the name in logs and metrics. */
  readonly path: string;
  readonly method: DescMethod;
  readonly access: ProcedureAccess;
  /** False for a method the implementation lacks, which connect's stub answers with UNIMPLEMENTED. */
  readonly implemented: boolean;
  /** The implementation inside the procedure chain (see procedure-chain.ts). */
  readonly spec: MethodImplSpec;
}

/** A generated service descriptor, its implementation and who may call it. */
export interface ServedService {
  readonly service: DescService;
  readonly methods: readonly MethodImplSpec[];
  /** Names of the methods the implementation has; connect's stubs answer the others with UNIMPLEMENTED. */
  readonly implemented: ReadonlySet<string>;
  readonly access: ProcedureAccess;
}

/** Pairs a service with its implementation, typed by its descriptor. */
export function served<S extends DescService>(service: S, implementation: Partial<ServiceImpl<S>>, access: ProcedureAccess): ServedService {
  const implemented = new Set(service.methods.filter((method) => Object.hasOwn(implementation, method.localName)).map((method) => method.localName));
  return { service, methods: Object.values(createServiceImplSpec(service, implementation).methods), implemented, access };
}

/** Wraps one procedure's implementation: what every call goes through once its message is read. */
export type ProcedureChain = (spec: MethodImplSpec, access: ProcedureAccess) => MethodImplSpec;

/**
 * The procedure table, built once at start-up from the generated service
 * descriptors: path, method (input and output schemas), access and the
 * implementation inside its chain. REST (whose routes are the methods'
 * google.api.http bindings, see rest/rest-routes.ts), the unary gRPC route
 * and connect-node's router all dispatch from it.
 */
export class ProcedureTable {
  readonly procedures: readonly Procedure[];
  private readonly byPath: ReadonlyMap<string, Procedure>;

  constructor(services: readonly ServedService[], chain: ProcedureChain) {
    this.procedures = services.flatMap(({ service, methods, implemented, access }) =>
      methods.map((spec): Procedure => ({
        path: `/${service.typeName}/${spec.method.name}`,
        method: spec.method,
        access,
        implemented: implemented.has(spec.method.localName),
        spec: chain(spec, access),
      })),
    );
    this.byPath = new Map(this.procedures.map((procedure) => [procedure.path, procedure]));
  }

  /** The procedure a gRPC or Connect request path names. */
  find(path: string): Procedure | undefined {
    return this.byPath.get(path);
  }

  /** The services served, in the order given. */
  services(): DescService[] {
    return [...new Set(this.procedures.map((procedure) => procedure.method.parent))];
  }
}
