import { Code, ConnectError } from "@connectrpc/connect";
import { errorReason } from "../client/index.js";
import { databaseMistake } from "../app/database-readiness.js";
import { isSchedError, SchedError } from "../core/errors.js";
import { exitCodeOf, isCommandErrorCode } from "./exit-codes.js";
import { networkErrorWords, tlsErrorWords } from "./network-error-words.js";

export interface DescribedError {
  /** A code a script can test, in the style of the API's error codes. */
  error: string;
  /** The one line an operator reads. */
  details: string;
  exitCode: number;
}

/**
 * Turns anything a command threw into the one line an operator reads. The
 * CLI's own mistakes and failures are SchedErrors whose message is that line;
 * driver errors carry host details and stack traces that mean nothing at a
 * terminal: only their code survives, worded for a person.
 */
export function describeError(error: unknown): DescribedError {
  if (isSchedError(error) && isCommandErrorCode(error.code)) return described(error.code, error.message);
  const mistake = databaseMistake(error);
  if (mistake !== undefined) return described("database_not_ready", mistake);
  if (error instanceof ConnectError) return { ...describeCallFailure(error), exitCode: 1 };
  const network = describeNetworkFailure(error, undefined);
  if (network !== undefined) return described("unavailable", network);
  if (error instanceof SchedError) return described(error.code, error.message);
  return described("failed", firstLine(error));
}

/**
 * What a call to the server at `url` (as the operator named it) failed with:
 * a refusal of the server stays the ConnectError it is, worded by its reason;
 * a server never reached, or reached over the wrong kind of connection, is
 * unavailable, `cannot reach <url>: …`. The driver's error is left out as the
 * cause: its address (host:port) must not stand in for the URL.
 */
export function callFailure(error: unknown, url: string): unknown {
  if (!(error instanceof ConnectError)) {
    return new SchedError("unavailable", describeNetworkFailure(error, url) ?? firstLine(error));
  }
  if (errorReason(error) !== undefined) return error;
  const network = describeNetworkFailure(error.cause, url);
  if (url.startsWith("http:") && (error.code === Code.Canceled || network?.endsWith(networkErrorWords.ECONNRESET!))) {
    // The CLI never cancels a call itself: the server hung up, as a TLS
    // server does when it is spoken to in plain HTTP.
    return new SchedError("unavailable", `cannot reach ${url}: the connection was closed without an answer (a TLS server wants an https:// URL)`);
  }
  if (network !== undefined) return new SchedError("unavailable", network);
  return error;
}

function described(code: string, details: string): DescribedError {
  return { error: code, details, exitCode: exitCodeOf(code) };
}

/** A refusal of the server reads `<reason>: <message>` with the API's error code (slot_already_booked: …). */
function describeCallFailure(error: ConnectError): Omit<DescribedError, "exitCode"> {
  const reason = errorReason(error);
  if (reason !== undefined) return { error: reason, details: `${reason}: ${error.rawMessage}` };
  const network = describeNetworkFailure(error.cause, undefined);
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
