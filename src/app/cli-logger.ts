import { pino, type Logger as PinoLogger, type LoggerOptions } from "pino";
import pretty from "pino-pretty";
import type { AppEnv } from "../config/config.js";
import { requestLogFields } from "../transport/observability/request-context.js";

type Destination = NodeJS.WritableStream & { isTTY?: boolean };

// Neither headers nor tokens are logged today; the redaction keeps a
// credential out of the logs should anyone add them, at the top level or one
// object down (pino's wildcards reach one level).
const redactedPaths = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "token",
  "*.token",
  "secret",
  "*.secret",
];

/**
 * JSON lines for machines; readable lines for a developer at a terminal in
 * dev. Every line written while a request is served carries its request_id.
 */
export function createCliLogger(appEnv: AppEnv, destination?: Destination): PinoLogger {
  const options: LoggerOptions = {
    name: "sched",
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: "[redacted]" },
    mixin: requestLogFields,
  };
  if (appEnv === "dev" && (destination ?? process.stdout).isTTY === true) {
    return pino(options, pretty({ destination: destination ?? process.stdout, colorize: true, translateTime: "SYS:HH:MM:ss.l" }));
  }
  // A line per request is one write(2) per request when stdout is a file or a
  // pipe; the asynchronous destination writes whatever lines gathered while
  // the last write was in flight in one go, and flushes on exit.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
