/** The roles a token may carry (SPEC.md, Security). */
export type Role = "patient" | "staff" | "service";

export const roles: readonly Role[] = ["patient", "staff", "service"];

/**
 * Who is asking, as authentication established it. A patient's subject is
 * its patient id; staff and services are named by whatever their issuer uses.
 */
export interface Caller {
  subject: string;
  role: Role;
}

/** Who caused a change, as the audit log records it. */
export type Actor = Caller | SystemActor;

export interface SystemActor {
  subject: "system";
  role: "system";
}

/** The expiry worker and other changes no caller asked for. */
export const systemActor: SystemActor = { subject: "system", role: "system" };

/**
 * The caller of a server that runs without authentication (`sched dev`, or
 * `serve` with no key outside APP_ENV=prod): it may do everything, and the
 * audit log says plainly that nobody was identified.
 */
export const anonymousCaller: Caller = { subject: "anonymous", role: "service" };
