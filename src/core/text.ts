import { SchedError } from "./errors.js";

// PostgreSQL cannot store NUL in text at all (it refuses the statement), and
// other control characters and lone surrogates in a name or a filter are
// never what a person typed: they forge line breaks in logs and exports, or
// break the encoding of whatever reads the value next.
const unacceptable = /[\p{Cc}\p{Cs}]/u;

/**
 * Refuses a text value carrying a control character or a lone surrogate,
 * naming the field and the character, so that no such value reaches the
 * store whichever protocol brought it.
 */
export function requirePlainText<T extends string | null | undefined>(value: T, field: string): T {
  if (typeof value !== "string") return value;
  const found = unacceptable.exec(value);
  if (found === null) return value;
  const unit = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  throw new SchedError("invalid_argument", `${field} must not contain control characters or lone surrogates (found U+${unit})`);
}
