import { createServer } from "node:net";
import { SchedError } from "../core/errors.js";

/** The one line for a port that cannot be listened on, naming the setting that changes it; undefined for other failures. */
export function listenFailure(error: unknown, port: number): SchedError | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "EADDRINUSE") {
    return new SchedError("port_in_use", `port ${port} is in use: stop what listens on it, or choose another port with HTTP_PORT or --http-port`);
  }
  if (code === "EACCES") {
    return new SchedError("port_in_use", `port ${port} needs privileges this process lacks: choose a port above 1023 with HTTP_PORT or --http-port`);
  }
  return undefined;
}

/**
 * Fails at once if the port cannot be listened on, so that a command with
 * seconds of set-up ahead (sched dev) says so before spending them. Port 0
 * (any free port) always can.
 */
export async function requireFreePort(port: number, host: string | undefined): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  }).catch((error: unknown) => {
    throw listenFailure(error, port) ?? error;
  });
}
