import { isUuid } from "../ids.js";
import { roles, type Caller, type Role } from "./caller.js";

// Longer subjects are no identity any issuer we know of uses; they would only
// bloat the audit log and the rate-limit keys.
const maxSubjectLength = 256;

/**
 * The caller a verified token names, or undefined when its claims do not make
 * one: a role this service does not know, a missing subject, or a patient
 * whose subject is not a patient id.
 */
export function callerFromClaims(subject: unknown, role: unknown): Caller | undefined {
  if (typeof subject !== "string" || subject === "" || subject.length > maxSubjectLength) return undefined;
  if (!isRole(role)) return undefined;
  if (role === "patient") return isUuid(subject) ? { subject: subject.toLowerCase(), role } : undefined;
  return { subject, role };
}

function isRole(value: unknown): value is Role {
  return typeof value === "string" && (roles as readonly string[]).includes(value);
}
