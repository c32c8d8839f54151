import type { Command, CommanderError } from "commander";
import { SchedError } from "../core/errors.js";

/**
 * A mistake in how a command was called: invalid_usage (exit 2), in one line
 * that points at the help of the command as typed, such as
 * `required option '--patient <id>' not specified; see 'sched book --help'`.
 */
function usageError(message: string, command: string): SchedError {
  return new SchedError("invalid_usage", `${message}; see '${command} --help'`);
}

/**
 * Makes commander report every usage mistake as an invalid_usage SchedError instead of
 * printing its message and the whole help. Subcommands copy these settings
 * when they are created, so this goes on the program before any of them.
 */
export function reportUsageErrors(program: Command): Command {
  return program
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .exitOverride(function (this: Command, error: CommanderError): never {
      // --help and --version: done, exit 0.
      if (error.exitCode === 0) throw error;
      const command = commandPath(this);
      if (error.code === "commander.help") {
        // A group such as `sched slots` called without one of its commands.
        const names = this.commands.map((sub) => sub.name()).filter((name) => name !== "help");
        throw usageError(`missing command: ${names.join(", ")}`, command);
      }
      throw usageError(oneLine(error.message), command);
    });
}

/** Whether the command line asks for JSON, read before (or without) commander parsing it. */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).includes("--json");
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(" ");
}

// commander's messages start with "error: " and put a suggestion on a line of its own.
function oneLine(message: string): string {
  return message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ").trim();
}
