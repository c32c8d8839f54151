import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The one place tests start sched processes: one-shot commands (runCli in
// run-cli.ts), `sched serve` for the ordinary suites (startServerProcess
// below), workers and `sched dev`, and every server and worker of the fault
// suite, which adds restarts, freezing and network namespaces over it
// (test/faults/support/sched-processes.ts).

const bin = fileURLToPath(new URL("../../bin/sched.js", import.meta.url));
// An empty working directory, so that no .env changes what the process sees.
const emptyDir = mkdtempSync(join(tmpdir(), "sched-process-"));

/** Days ahead a test server accepts slots: a century, for calendars at fixed future dates. */
export const testSlotHorizonDays = "36500";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnSchedOptions {
  /** The whole environment besides PATH and APP_ENV=dev, which it may override. */
  env: Record<string, string>;
  /** The working directory; an empty one by default, so that no .env reaches the process. */
  cwd?: string;
  /** Sends SIGTERM after this long, for a command that must not hang a test. */
  timeoutMs?: number;
  /** A network namespace to run in, through `ip netns exec` (which execs, so the pid is sched's own). */
  netns?: string;
  /** How much of each stream to keep, in characters, for a process that may log for minutes; all of it by default. */
  keepChars?: number;
  /** The name failures give it, such as "sched serve" or "serve-2". */
  name?: string;
}

/** A running `sched …` process and what it has written. */
export interface SchedChild {
  pid: number;
  name: string;
  stdout(): string;
  stderr(): string;
  /** Both streams as they arrived. */
  output(): string;
  exited: Promise<Exit>;
  alive(): boolean;
  /** Sends a signal that does not wait for the end, such as SIGSTOP or SIGCONT. */
  signal(signal: NodeJS.Signals): void;
  /** Sends the signal (SIGTERM by default) and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /**
   * Resolves with the first thing `find` finds in the output, looking again as
   * output arrives; rejects if the process ends first or `timeoutMs` passes.
   */
  waitFor<T>(find: () => T | undefined, what: string, timeoutMs?: number): Promise<T>;
}

/** Starts `sched <args>` from the compiled bin with only the given environment. */
export function spawnSched(args: readonly string[], options: SpawnSchedOptions): SchedChild {
  const command = options.netns === undefined ? [process.execPath] : ["ip", "netns", "exec", options.netns, process.execPath];
  const child = spawn(command[0]!, [...command.slice(1), bin, ...args], {
    cwd: options.cwd ?? emptyDir,
    env: { PATH: process.env.PATH ?? "", APP_ENV: "dev", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const name = options.name ?? `sched ${args[0] ?? ""}`.trim();
  const keep = (text: string): string => (options.keepChars === undefined ? text : text.slice(-options.keepChars));
  const written = { stdout: "", stderr: "", output: "" };
  const listeners = new Set<() => void>();
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]!.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      written[stream] = keep(written[stream] + text);
      written.output = keep(written.output + text);
      for (const listener of listeners) listener();
    });
  }
  // "close", not "exit": by then both streams have ended, so what the process wrote is all there.
  const exited = new Promise<Exit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  if (options.timeoutMs !== undefined) {
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs);
    void exited.then(() => clearTimeout(timer));
  }

  return {
    pid: child.pid!,
    name,
    stdout: () => written.stdout,
    stderr: () => written.stderr,
    output: () => written.output,
    exited,
    alive,
    signal(signal) {
      if (alive()) child.kill(signal);
    },
    stop(signal = "SIGTERM") {
      if (alive()) child.kill(signal);
      return exited;
    },
    waitFor<T>(find: () => T | undefined, what: string, timeoutMs?: number): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (): void => {
          listeners.delete(look);
          clearTimeout(timer);
        };
        const look = (): void => {
          const found = find();
          if (found === undefined) return;
          done();
          resolve(found);
        };
        listeners.add(look);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            done();
            reject(new Error(`${name} did not ${what} within ${timeoutMs} ms: ${written.output}`));
          }, timeoutMs);
        }
        void exited.then((exit) => {
          if (!listeners.has(look)) return;
          done();
          reject(new Error(`${name} exited (${exit.code ?? exit.signal}) before it could ${what}: ${written.output}`));
        });
        look();
      });
    },
  };
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
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  // The tests' calendars lie at fixed dates of the 2030s and 2040s, so that
  // none of their slots ever starts in the past; the horizon lets them in.
  const server = spawnSched(["serve", "--host", "127.0.0.1"], { env: { HTTP_PORT: "0", SLOT_HORIZON_DAYS: testSlotHorizonDays, ...env } });
  const logLines = (): Array<Record<string, unknown>> =>
    server
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const serving = await server.waitFor(
    () => logLines().find((line) => typeof line.port === "number" && typeof line.url === "string"),
    "serve",
  );
  const port = serving.port as number;
  return { port, url: `http://127.0.0.1:${port}`, pid: server.pid, logLines, stderr: server.stderr, exited: server.exited, stop: server.stop };
}
