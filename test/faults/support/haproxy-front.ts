import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../../support/eventually.js";
import { freePort } from "../../support/free-port.js";

/** Throws a one-line error naming the Debian package when a tool the scenario needs is missing. */
export function requireTool(command: string, debianPackage: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "pipe" });
  } catch {
    throw new Error(`${command} is missing: apt-get install -y ${debianPackage} (.ci/run installs it)`);
  }
}

/**
 * One TCP address in front of PostgreSQL, the one the sched processes are
 * given, that an operator repoints at a promoted standby: HAProxy in TCP
 * mode, driven through its runtime API (an admin socket), as in production.
 */
export class HaproxyFront {
  private exited: Promise<void>;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  static async start(target: { host: string; port: number }): Promise<HaproxyFront> {
    requireTool("haproxy", "haproxy");
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "sched-haproxy-"));
    // Long client and server timeouts: pooled PostgreSQL connections sit idle
    // between bookings, and a cut there would be the proxy's fault, not the test's.
    writeFileSync(
      join(dir, "haproxy.cfg"),
      [
        "global",
        `  stats socket ${join(dir, "admin.sock")} level admin`,
        "  maxconn 2000",
        "defaults",
        "  mode tcp",
        "  timeout connect 2s",
        "  timeout client 1h",
        "  timeout server 1h",
        "frontend postgres",
        `  bind 127.0.0.1:${port}`,
        "  default_backend postgres",
        "backend postgres",
        `  server db ${target.host}:${target.port}`,
        "",
      ].join("\n"),
    );
    const child = spawn("haproxy", ["-f", join(dir, "haproxy.cfg"), "-db"], { stdio: "ignore" });
    const front = new HaproxyFront(port, dir, child);
    try {
      await eventually(() => front.command("show info").then((info) => (info.includes("Pid:") ? true : undefined)), 10_000, "HAProxy admin socket");
    } catch (error) {
      await front.stop();
      throw error;
    }
    return front;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("HAProxy did not start");
    return this.child.pid;
  }

  /** Sends new connections to another PostgreSQL and closes the sessions still open to the old one. */
  async repoint(target: { host: string; port: number }): Promise<void> {
    const answer = await this.command(`set server postgres/db addr ${target.host} port ${target.port}`);
    if (!/changed from/.test(answer)) throw new Error(`HAProxy refused to repoint: ${answer.trim()}`);
    await this.command("shutdown sessions server postgres/db");
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(join(this.dir, "admin.sock"));
      let answer = "";
      socket.setEncoding("utf8");
      socket.on("connect", () => socket.end(`${line}\n`));
      socket.on("data", (chunk: string) => (answer += chunk));
      socket.on("end", () => resolve(answer));
      socket.on("error", reject);
    });
  }
}
