import { Code, ConnectError } from "@connectrpc/connect";
import { errorReason } from "../client/index.js";
import { ConfigError } from "../config/config-error.js";
import { CommandFailure } from "./command-failure.js";
import { networkErrorWords } from "./network-error-words.js";
import { ServerCallError } from "./server-call-error.js";

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
  if (error instanceof ServerCallError) {
    return { message: describeCallFailure(error.cause, error.url), exitCode: 1 };
  }
  if (error instanceof ConnectError) {
    return { message: describeCallFailure(error, undefined), exitCode: 1 };
  }
  const network = describeNetworkFailure(error, undefined);
  if (network !== undefined) return { message: network, exitCode: 1 };
  return { message: firstLine(error), exitCode: 1 };
}

/**
 * A refusal of the server reads `<reason>: <message>` with SPEC's code
 * (slot_already_booked: …); a server never reached reads `cannot reach <url>: …`.
 */
function describeCallFailure(error: unknown, url: string | undefined): string {
  if (!(error instanceof ConnectError)) return describeNetworkFailure(error, url) ?? firstLine(error);
  const reason = errorReason(error);
  if (reason !== undefined) return `${reason}: ${error.rawMessage}`;
  const network = error.code === Code.Unavailable ? describeNetworkFailure(error.cause, url) : undefined;
  return network ?? `${codeWord(error.code)}: ${firstLine(error.rawMessage)}`;
}

// `target` is the server as the operator named it; without one, the address
// the driver reports (host:port) stands in.
function describeNetworkFailure(error: unknown, target: string | undefined): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== "string" || !(code in networkErrorWords)) return undefined;
  const { address, port } = error as { address?: string; port?: number };
  const where = target ?? (address ? `${address}${port ? `:${port}` : ""}` : undefined);
  return `cannot reach${where ? ` ${where}` : ""}: ${networkErrorWords[code]}`;
}

// Code.DeadlineExceeded → "deadline_exceeded", in the style of SPEC's codes.
function codeWord(code: Code): string {
  return (Code[code] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? "unknown error";
}
