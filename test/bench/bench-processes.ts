import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "bin/sched.js"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root (bin/sched.js)");
    dir = up;
  }
  return dir;
}

export function runSched(root: string, args: string[], dsn: string): string {
  const result = spawnSync(process.execPath, [join(root, "bin/sched.js"), ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "", POSTGRES_DSN: dsn },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`sched ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

export interface Server {
  pid: number;
  port: number;
  child: ChildProcess;
}

export async function startServer(root: string, dsn: string, logPath: string): Promise<Server> {
  const log = openSync(logPath, "w");
  const child = spawn(process.execPath, [join(root, "bin/sched.js"), "serve", "--host", "127.0.0.1"], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? "", APP_ENV: "dev", HTTP_PORT: "0", MAX_ACTIVE_HOLDS_PER_PATIENT: "0", POSTGRES_DSN: dsn, REDIS_ADDR: process.env.BENCH_REDIS_ADDR ?? "127.0.0.1:6379" },
    stdio: ["ignore", log, log],
  });
  live.add(child);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sched serve exited (${child.exitCode}): ${readFileSync(logPath, "utf8")}`);
    for (const line of readFileSync(logPath, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      const parsed = JSON.parse(line) as { port?: unknown; url?: unknown };
      if (typeof parsed.port === "number" && typeof parsed.url === "string") return { pid: child.pid!, port: parsed.port, child };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("sched serve did not start serving within 20 s");
}

/** Several `sched serve` processes on one database, started together. */
export function startServers(root: string, dsn: string, count: number, logPrefix: string): Promise<Server[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startServer(root, dsn, `${logPrefix}-${i + 1}.log`)));
}

/** Every child process still running, so that a failed run stops them all. */
export const live = new Set<ChildProcess>();

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return void live.delete(child);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}

export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
