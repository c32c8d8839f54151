import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Signing } from "./bench-callers.js";
import type { ServerConfiguration } from "./bench-row.js";

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
  configuration: ServerConfiguration;
}

/**
 * A rate-limit budget per caller that the load never reaches (the staff
 * token carries half of at most a few thousand attempts per second), so that
 * every call pays for its counter and none is refused.
 */
export const benchRateLimitPoints = 100_000;

/**
 * The server's environment. Both configurations leave the patient hold cap
 * off (MAX_ACTIVE_HOLDS_PER_PATIENT=0), as the pgbench baseline does: a
 * handful of patients booking hundreds of slots would otherwise be refused.
 * production is what docs/security.md asks of a hospital's server: APP_ENV=prod,
 * an HS256 key with issuer and audience, rate limits on (in Redis), /metrics
 * behind a token, logs at the production level (a JSON line per request).
 */
function serverEnvironment(configuration: ServerConfiguration, dsn: string, signing: Signing | undefined): NodeJS.ProcessEnv {
  const common = { PATH: process.env.PATH ?? "", HTTP_PORT: "0", MAX_ACTIVE_HOLDS_PER_PATIENT: "0", POSTGRES_DSN: dsn, REDIS_ADDR: process.env.BENCH_REDIS_ADDR ?? "127.0.0.1:6379" };
  if (configuration === "open") return { ...common, APP_ENV: "dev" };
  if (signing === undefined) throw new Error("the production configuration needs its signing settings");
  return {
    ...common,
    APP_ENV: "prod",
    AUTH_JWT_SECRET: signing.secret,
    AUTH_ISSUER: signing.issuer,
    AUTH_AUDIENCE: signing.audience,
    RATE_LIMIT_POINTS: String(benchRateLimitPoints),
    RATE_LIMIT_DURATION: "1s",
    ...productionOverrides(),
  };
}

/**
 * BENCH_PRODUCTION_ENV, e.g. `RATE_LIMIT_POINTS=0 LOG_LEVEL=warn`: variables
 * that replace the production configuration's own, to find what each part of
 * it costs.
 */
function productionOverrides(): Record<string, string> {
  const text = process.env.BENCH_PRODUCTION_ENV?.trim() ?? "";
  if (text === "") return {};
  return Object.fromEntries(
    text.split(/\s+/).map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) throw new Error(`BENCH_PRODUCTION_ENV: ${JSON.stringify(pair)} is not NAME=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

export async function startServer(root: string, dsn: string, logPath: string, configuration: ServerConfiguration, signing?: Signing): Promise<Server> {
  const log = openSync(logPath, "w");
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_OPTIONS?.split(" ").filter(Boolean) ?? []), join(root, "bin/sched.js"), "serve", "--host", "127.0.0.1"], {
    cwd: tmpdir(),
    env: serverEnvironment(configuration, dsn, signing),
    stdio: ["ignore", log, log],
  });
  live.add(child);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sched serve exited (${child.exitCode}): ${readFileSync(logPath, "utf8")}`);
    for (const line of readFileSync(logPath, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      const parsed = JSON.parse(line) as { port?: unknown; url?: unknown };
      if (typeof parsed.port === "number" && typeof parsed.url === "string") return { pid: child.pid!, port: parsed.port, child, configuration };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("sched serve did not start serving within 20 s");
}

/** Several `sched serve` processes on one database, started together. */
export function startServers(root: string, dsn: string, count: number, logPrefix: string, configuration: ServerConfiguration, signing?: Signing): Promise<Server[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startServer(root, dsn, `${logPrefix}-${configuration}-${i + 1}.log`, configuration, signing)));
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
