import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../bin/sched.js", import.meta.url));
// An empty working directory, so that no .env changes what the server sees.
const emptyDir = mkdtempSync(join(tmpdir(), "sched-server-"));

/** Days ahead a test server accepts slots: a century, for calendars at fixed future dates. */
export const testSlotHorizonDays = "36500";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `sched serve` running as its own process on a free port of 127.0.0.1. */
export interface ServerProcess {
  port: number;
  url: string;
  pid: number;
  /** Every JSON line the server has written to stdout so far. */
  logLines(): Array<Record<string, unknown>>;
  stderr(): string;
  exited: Promise<Exit>;
  /** Sends the signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Starts the compiled server with only the given environment (and PATH), and waits until it serves. */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, "serve", "--host", "127.0.0.1"], {
    cwd: emptyDir,
    // The tests' calendars lie at fixed dates of the 2030s and 2040s, so that
    // none of their slots ever starts in the past; the horizon lets them in.
    env: { PATH: process.env.PATH ?? "", APP_ENV: "dev", HTTP_PORT: "0", SLOT_HORIZON_DAYS: testSlotHorizonDays, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const logLines = (): Array<Record<string, unknown>> =>
    stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const serving = logLines().find((line) => typeof line.port === "number" && typeof line.url === "string");
      if (serving === undefined) return;
      child.stdout!.off("data", onData);
      const port = serving.port as number;
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        pid: child.pid!,
        logLines,
        stderr: () => stderr,
        exited,
        stop: (signal = "SIGTERM") => stopProcess(child, signal, exited),
      });
    };
    child.stdout!.on("data", onData);
    void exited.then((exit) => reject(new Error(`sched serve exited (${exit.code ?? exit.signal}) before serving: ${stderr}`)));
  });
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, exited: Promise<Exit>): Promise<Exit> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}
