import type { CommandErrorCode } from "../core/errors.js";

/**
 * The CLI's one table from an error code to the exit status of `sched`: 2 for
 * a mistake in how it was called or configured, which no retry cures, 1 for
 * a failure of the run. Every other code (an API error a server answered, or
 * one the core raised while the command ran) exits 1.
 */
export const commandExitCodes: Record<CommandErrorCode, number> = {
  invalid_usage: 2,
  invalid_configuration: 2,
  database_not_ready: 1,
  port_in_use: 1,
  failed: 1,
};

/** The exit status for an error code, by the table above. */
export function exitCodeOf(code: string): number {
  return Object.hasOwn(commandExitCodes, code) ? commandExitCodes[code as CommandErrorCode] : 1;
}

export function isCommandErrorCode(code: string): code is CommandErrorCode {
  return Object.hasOwn(commandExitCodes, code);
}
