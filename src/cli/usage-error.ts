import type { Command, CommanderError } from "commander";

/** A mistake in how a command was called: reported in one line that points at its help, exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";

  constructor(
    message: string,
    /** The command as typed, such as "sched slots create", whose --help explains it. */
    readonly command: string,
  ) {
    super(message);
  }
}

/**
 * Makes commander report every usage mistake as a UsageError instead of
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
        throw new UsageError(`missing command: ${names.join(", ")}`, command);
      }
      throw new UsageError(oneLine(error.message), command);
    });
}

/** `sched: <message>; see 'sched book --help'`, the line a usage mistake prints. */
export function usageLine(error: UsageError): string {
  return `${error.message}; see '${error.command} --help'`;
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
