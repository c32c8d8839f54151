import { SchedError } from "../core/errors.js";

/**
 * A missing or malformed setting: invalid_configuration, naming its variable.
 * The message is a single line naming the variable, meant to be printed as is
 * when the program stops at start, without a stack trace.
 */
export function configurationError(variable: string, message: string): SchedError {
  return new SchedError("invalid_configuration", message, { variable });
}
