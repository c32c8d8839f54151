import type { Command } from "commander";
import { configFlags, type ConfigVariable } from "../config/config.js";

/** Declares the command-line flags that override the given variables. */
export function addConfigOptions(command: Command, variables: readonly ConfigVariable[]): Command {
  for (const { variable, flag, description } of configFlags) {
    if (variables.includes(variable)) {
      command.option(`${flag} <value>`, description);
    }
  }
  return command;
}
