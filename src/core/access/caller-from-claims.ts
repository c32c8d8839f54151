import { isUuid } from "../ids.js";
import { roles, type Role, type VerifiedCaller } from "./caller.js";

// Longer subjects are no identity any issuer we know of uses; they would only
// bloat the audit log and the rate-limit keys.
const maxSubjectLength = 200;

// A subject is written to the audit log (whose CHECK refuses a blank one),
// to log lines and to rate-limit keys. One that could not be recorded, that
// could forge a line break in a log (Cc, and the line and paragraph
// separators Zl, Zp), or that carries invisible formatting (Cf: bidi
// overrides, zero-width joiners) and so reads as somebody else's subject with
// a rate-limit budget of its own, names nobody. Lone surrogates (Cs) are not
// text at all.
const unrecordable = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * The caller a verified token names, or undefined when its claims do not make
 * one: a role this service does not know, a missing, blank, overlong or
 * control- or format-character subject, or a patient whose subject is not a patient id.
 */
export function callerFromClaims(subject: unknown, role: unknown): VerifiedCaller | undefined {
  if (!isRecordableSubject(subject)) return undefined;
  if (!isRole(role)) return undefined;
  if (role === "patient") return isUuid(subject) ? { subject: subject.toLowerCase(), role } : undefined;
  return { subject, role };
}

function isRecordableSubject(subject: unknown): subject is string {
  return typeof subject === "string" && subject.trim() !== "" && subject.length <= maxSubjectLength && !unrecordable.test(subject);
}

function isRole(value: unknown): value is Role {
  return typeof value === "string" && (roles as readonly string[]).includes(value);
}
