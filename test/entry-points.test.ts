import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { freePort } from "./support/free-port.js";
import { repositoryRoot, schedOnPath, type SchedOnPath } from "./support/sched-on-path.js";

/*
 * The servers start the way the README tells users to start them, and stop
 * when a supervisor signals the process it started: `npm run dev` (the first
 * look) and `sched serve &` with `sched` on the PATH as `npm link` puts it.
 * A SIGTERM to that process must run the graceful shutdown (its line is
 * logged) and leave the port free, with no server orphaned behind it.
 */

let database: TestDatabase;
let sched: SchedOnPath;
let home: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase("entry_points");
  await migrate(database.dsn);
  sched = schedOnPath();
  home = mkdtempSync(join(tmpdir(), "sched-entry-"));
});

afterAll(async () => {
  // Each child leads its own process group, so a server it left orphaned
  // (what this file guards against) is ended with it.
  for (const child of children) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // The whole group has exited, as it should have.
    }
  }
  sched?.remove();
  rmSync(home, { recursive: true, force: true });
  await database?.drop();
});

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], env: Record<string, string>): Started {
  const child = spawn(command, args, { cwd: repositoryRoot, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForOutput(started: Started, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = started.output().match(pattern);
    if (match !== null) return match;
    if (started.child.exitCode !== null) throw new Error(`exited before ${pattern}: ${started.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms: ${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether anything accepts connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const shutdownLine = /shutting down: finishing requests under way/;

describe("entry points", () => {
  it("npm run dev stops gracefully when npm gets SIGTERM", async () => {
    const port = await freePort();
    // POSTGRES_DSN, which the README offers, instead of the embedded
    // database: the signal's path through npm is the same, and the start is
    // quicker on a loaded machine.
    const dev = start("npm", ["run", "dev", "--", "--http-port", String(port)], {
      PATH: sched.path,
      HOME: home,
      POSTGRES_DSN: database.dsn,
    });
    await waitForOutput(dev, /sched dev is serving on http:\/\/localhost:\d+/, 90_000);
    expect(await listening(port)).toBe(true);

    dev.child.kill("SIGTERM");
    const code = await dev.exited;
    expect(dev.output()).toMatch(shutdownLine);
    expect(dev.output()).toMatch(/"msg":"stopped"/);
    expect(code).toBe(0);
    expect(await listening(port)).toBe(false);
  }, 120_000);

  it("sched serve & stops gracefully on kill $!", async () => {
    const port = await freePort();
    const shell = start("bash", ["-c", 'sched serve --host 127.0.0.1 &\necho "pid $!"\nwait $!\necho "exit $?"'], {
      PATH: sched.path,
      HOME: home,
      POSTGRES_DSN: database.dsn,
      HTTP_PORT: String(port),
    });
    const pid = Number((await waitForOutput(shell, /pid (\d+)/, 10_000))[1]);
    await waitForOutput(shell, /sched serving on/, 60_000);
    expect(await listening(port)).toBe(true);

    process.kill(pid, "SIGTERM");
    await shell.exited;
    expect(shell.output()).toMatch(shutdownLine);
    expect(shell.output()).toMatch(/exit 0/);
    expect(await listening(port)).toBe(false);
  }, 90_000);

  it("sched --help answers from the command on the PATH", async () => {
    const help = start("sched", ["--help"], { PATH: sched.path, HOME: home });
    expect(await help.exited).toBe(0);
    expect(help.output()).toMatch(/^Usage: sched /m);
  }, 30_000);
});
