/** The roles a token may carry (docs/security.md). */
export type Role = "patient" | "staff" | "service";

export const roles: readonly Role[] = ["patient", "staff", "service"];

/** Who is asking: the caller a verified token names, or the anonymous caller of an open server. */
export type Caller = VerifiedCaller | AnonymousCaller;

/**
 * A caller as a verified token names it. A patient's subject is its patient
 * id; staff and services are named by whatever their issuer uses.
 */
export interface VerifiedCaller {
  subject: string;
  role: Role;
}

/** Nobody identified: only a server without authentication has this caller, never a token. */
export interface AnonymousCaller {
  subject: "anonymous";
  role: "anonymous";
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
 * audit log says plainly that nobody was identified (role "anonymous", which
 * no token can claim, so it never reads like a verified service).
 */
export const anonymousCaller: AnonymousCaller = { subject: "anonymous", role: "anonymous" };
