import { Code, ConnectError } from "@connectrpc/connect";
import { errorReason } from "../client/index.js";
import { databaseMistake, DatabaseNotReady } from "../app/database-readiness.js";
import { ConfigError } from "../config/config-error.js";
import { CommandFailure } from "../app/command-failure.js";
import { networkErrorWords, tlsErrorWords } from "./network-error-words.js";
import { ServerCallError } from "./server-call-error.js";
import { UsageError, usageLine } from "./usage-error.js";

export interface DescribedError {
  /** A code a script can test, in the style of the API's error codes. */
  error: string;
  /** The one line an operator reads. */
  details: string;
  exitCode: number;
}

/**
 * Turns anything a command threw into the one line an operator reads. Driver
 * errors carry host details and stack traces that mean nothing at a terminal;
 * only their code survives, worded for a person.
 */
export function describeError(error: unknown): DescribedError {
  if (error instanceof UsageError) {
    return { error: "invalid_usage", details: usageLine(error), exitCode: 2 };
  }
  if (error instanceof DatabaseNotReady) {
    return { error: "database_not_ready", details: error.message, exitCode: 1 };
  }
  const mistake = databaseMistake(error);
  if (mistake !== undefined) return { error: "database_not_ready", details: mistake, exitCode: 1 };
  if (error instanceof ConfigError) {
    return { error: "invalid_configuration", details: error.message, exitCode: 2 };
  }
  if (error instanceof CommandFailure) {
    return { error: error.code ?? (error.exitCode === 2 ? "invalid_usage" : "failed"), details: error.message, exitCode: error.exitCode };
  }
  if (error instanceof ServerCallError) {
    return { ...describeCallFailure(error.cause, error.url), exitCode: 1 };
  }
  if (error instanceof ConnectError) {
    return { ...describeCallFailure(error, undefined), exitCode: 1 };
  }
  const network = describeNetworkFailure(error, undefined);
  if (network !== undefined) return { error: "unavailable", details: network, exitCode: 1 };
  return { error: "failed", details: firstLine(error), exitCode: 1 };
}

/**
 * A refusal of the server reads `<reason>: <message>` with the API's error
 * code (slot_already_booked: …); a server never reached, or reached over the
 * wrong kind of connection, reads `cannot reach <url>: …`.
 */
function describeCallFailure(error: unknown, url: string | undefined): Omit<DescribedError, "exitCode"> {
  if (!(error instanceof ConnectError)) {
    return { error: "unavailable", details: describeNetworkFailure(error, url) ?? firstLine(error) };
  }
  const reason = errorReason(error);
  if (reason !== undefined) return { error: reason, details: `${reason}: ${error.rawMessage}` };
  const network = describeNetworkFailure(error.cause, url);
  if (url?.startsWith("http:") && (error.code === Code.Canceled || network?.endsWith(networkErrorWords.ECONNRESET!))) {
    // The CLI never cancels a call itself: the server hung up, as a TLS
    // server does when it is spoken to in plain HTTP.
    return { error: "unavailable", details: `cannot reach ${url}: the connection was closed without an answer (a TLS server wants an https:// URL)` };
  }
  if (network !== undefined) return { error: "unavailable", details: network };
  const word = codeWord(error.code);
  return { error: word, details: `${word}: ${firstLine(error.rawMessage)}` };
}

// `target` is the server as the operator named it; without one, the address
// the driver reports (host:port) stands in. The code may sit on a cause of
// the error the client library raised.
function describeNetworkFailure(error: unknown, target: string | undefined): string | undefined {
  for (let at = error, depth = 0; at !== null && typeof at === "object" && depth < 4; at = (at as { cause?: unknown }).cause, depth += 1) {
    const code = (at as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    const words = networkErrorWords[code] ?? tlsErrorWords[code] ?? (code.startsWith("ERR_SSL_") ? "the TLS handshake failed" : undefined);
    if (words === undefined) continue;
    const { address, port } = at as { address?: string; port?: number };
    const where = target ?? (address ? `${address}${port ? `:${port}` : ""}` : undefined);
    return `cannot reach${where ? ` ${where}` : ""}: ${words}`;
  }
  return undefined;
}

// Code.DeadlineExceeded → "deadline_exceeded", in the style of the API's codes.
function codeWord(code: Code): string {
  return (Code[code] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? "unknown error";
}
