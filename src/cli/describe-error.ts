import { ConfigError } from "../config/config-error.js";
import { CommandFailure } from "./command-failure.js";

const networkErrorWords: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
  EHOSTUNREACH: "host unreachable",
};

export interface DescribedError {
  message: string;
  exitCode: number;
}

/**
 * Turns anything a command threw into the one line an operator reads. Driver
 * errors carry host details and stack traces that mean nothing at a terminal;
 * only their code survives, worded for a person.
 */
export function describeError(error: unknown): DescribedError {
  if (error instanceof ConfigError) {
    return { message: error.message, exitCode: 2 };
  }
  if (error instanceof CommandFailure) {
    return { message: error.message, exitCode: error.exitCode };
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && code in networkErrorWords) {
    const address = (error as { address?: string; port?: number }).address;
    const port = (error as { port?: number }).port;
    const target = address ? ` ${address}${port ? `:${port}` : ""}` : "";
    return { message: `cannot reach${target}: ${networkErrorWords[code]}`, exitCode: 1 };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: message.split("\n")[0] ?? "unknown error", exitCode: 1 };
}
