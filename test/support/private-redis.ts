import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./free-port.js";
import { withRedisNode } from "./redis-node.js";
import { eventually } from "./eventually.js";

/**
 * A redis-server of the test's own on a free loopback port, with no
 * persistence, that the test may stop, pause, restart and flush. The
 * machine's shared Redis (6379) is never touched.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    /** Addresses it listens on besides 127.0.0.1, e.g. a bridge address that network namespaces reach. */
    private readonly extraBind: string[],
  ) {}

  static async start(options: { bind?: string[] } = {}): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), options.bind ?? []);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (this.child?.pid === undefined) throw new Error("private Redis is not running");
    return this.child.pid;
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts redis-server (again, on the same port) and waits until it answers PING. */
  async start(): Promise<void> {
    const child = spawn(
      "redis-server",
      [
        "--port", String(this.port), "--bind", ["127.0.0.1", ...this.extraBind].join(" "), "--save", "", "--appendonly", "no",
        // Protected mode refuses every address but loopback when there is no password; the extra ones are the test's own.
        ...(this.extraBind.length > 0 ? ["--protected-mode", "no"] : []),
      ],
      { stdio: "ignore" },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const spawnFailure = new Promise<never>((_, reject) => child.once("error", reject));
    const answering = this.answering();
    // Should the spawn fail, the PING loop still ends (in failure) later: nobody waits for it then.
    answering.catch(() => undefined);
    await Promise.race([spawnFailure, answering]);
  }

  private answering(): Promise<true> {
    return eventually(async () => ((await withRedisNode(this.port, (client) => client.ping())) === "PONG" ? true : undefined), 10_000, "private Redis PING");
  }

  /** Kills it (SIGKILL, so nothing is saved on the way out) and waits for the exit. */
  async stop(): Promise<void> {
    if (!this.running()) return;
    this.child!.kill("SIGCONT");
    this.child!.kill("SIGKILL");
    await this.exited;
  }

  /** SIGSTOP: connections stay open, nothing answers. */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async flushAll(): Promise<void> {
    await withRedisNode(this.port, (client) => client.flushall());
  }
}
