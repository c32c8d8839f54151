import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";

const binDir = process.env.TEST_POSTGRES_BIN ?? "/usr/lib/postgresql/15/bin";

/**
 * A PostgreSQL cluster of the test's own, on a free loopback port, that the
 * test may stop and start at will: the machine's shared PostgreSQL is never
 * touched. PostgreSQL refuses to run as root, so the cluster belongs to the
 * `postgres` OS user.
 */
export interface PrivatePostgresOptions {
  /** Settings beyond the small defaults below, e.g. { synchronous_standby_names: "*" }. */
  settings?: Record<string, string>;
  /** Addresses to listen on besides 127.0.0.1, e.g. a bridge address that network namespaces reach. */
  listenAddresses?: string[];
  /** Networks (CIDR) whose clients connect without a password, besides loopback. */
  trustNetworks?: string[];
  /**
   * A streaming standby of this running cluster: its files come from
   * pg_basebackup instead of initdb, and it replays the primary's WAL until
   * promote().
   */
  standbyOf?: PrivatePostgres;
}

export interface PrivatePostgres {
  port: number;
  /** Superuser DSN of the `postgres` database. */
  adminDsn: string;
  /** DSN of a database on this cluster. */
  dsn(database: string): string;
  start(): Promise<void>;
  /**
   * Stops the cluster: "fast" (SIGINT) terminates sessions and shuts down
   * cleanly, as in a restart or failover; "immediate" (SIGQUIT) drops
   * everything at once, as in a crash, and the next start recovers from WAL.
   */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /**
   * SIGKILL to the postmaster and every backend at once, as when the machine
   * dies: nothing is shut down or flushed on the way out.
   */
  kill(): Promise<void>;
  /** Ends a standby's recovery (pg_promote) and waits until it accepts writes. */
  promote(): Promise<void>;
  /** SIGSTOP to the postmaster and every backend: connections stay open and nothing answers, as in a network partition. */
  pause(): void;
  /** SIGCONT to what pause() stopped. */
  resume(): void;
  /** Stops the cluster if it runs and deletes its files. */
  destroy(): Promise<void>;
}

export async function createPrivatePostgres(label: string, options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const { uid, gid } = postgresUser();
  const root = mkdtempSync(join(tmpdir(), `sched-pg-${label}-`));
  const dataDir = join(root, "data");
  const socketDir = join(root, "socket");
  mkdirSync(socketDir);
  chownSync(root, uid, gid);
  chownSync(socketDir, uid, gid);
  if (options.standbyOf) {
    // -R writes standby.signal and primary_conninfo: the copy starts as a standby streaming from the primary.
    execFileSync(
      join(binDir, "pg_basebackup"),
      ["-D", dataDir, "-h", "127.0.0.1", "-p", String(options.standbyOf.port), "-U", "postgres", "-X", "stream", "-R", "-c", "fast", "--no-sync"],
      { uid, gid, stdio: "pipe" },
    );
  } else {
    execFileSync(join(binDir, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"], {
      uid,
      gid,
      stdio: "pipe",
    });
  }
  // initdb trusts loopback only (for replication too); appended lines are read at every start.
  for (const network of options.trustNetworks ?? []) appendFileSync(join(dataDir, "pg_hba.conf"), `host all all ${network} trust\n`);
  const settings = Object.entries(options.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
  const listenAddresses = ["127.0.0.1", ...(options.listenAddresses ?? [])].join(",");
  const port = await freePort();
  const adminDsn = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let postmaster: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = "";

  const start = async (): Promise<void> => {
    if (postmaster) return;
    // Small settings: several such clusters may run beside the shared one on a
    // small machine. fsync=off costs nothing in a process crash (the kernel
    // still holds what was written); synchronous_commit stays on, or a crash
    // would lose commits that clients were told about.
    const child = spawn(
      join(binDir, "postgres"),
      ["-D", dataDir, "-p", String(port), "-k", socketDir, "-c", `listen_addresses=${listenAddresses}`,
        "-c", "shared_buffers=32MB", "-c", "max_connections=200", "-c", "fsync=off",
        "-c", "full_page_writes=off", ...settings],
      { uid, gid, stdio: ["ignore", "ignore", "pipe"] },
    );
    child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
    postmaster = child;
    exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void exited.then(() => {
      if (postmaster === child) postmaster = undefined;
    });
    await untilAccepting(adminDsn, () => postmaster === child, () => log);
  };

  const stop = async (mode: "fast" | "immediate" = "fast"): Promise<void> => {
    const child = postmaster;
    if (!child) return;
    child.kill(mode === "fast" ? "SIGINT" : "SIGQUIT");
    await exited;
  };

  let paused: number[] = [];
  await start();
  return {
    port,
    adminDsn,
    dsn: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start,
    stop,
    async kill() {
      const child = postmaster;
      if (!child?.pid) return;
      for (const pid of [child.pid, ...childPids(child.pid)]) process.kill(pid, "SIGKILL");
      await exited;
    },
    async promote() {
      const admin = new pg.Client({ connectionString: adminDsn });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ promoted: boolean }>("SELECT pg_promote(true, 30) AS promoted");
        if (!rows[0]?.promoted) throw new Error("pg_promote did not finish within 30 s");
      } finally {
        await admin.end();
      }
    },
    pause() {
      if (!postmaster?.pid) throw new Error("private PostgreSQL is not running");
      paused = [postmaster.pid, ...childPids(postmaster.pid)];
      for (const pid of paused) process.kill(pid, "SIGSTOP");
    },
    resume() {
      for (const pid of paused.splice(0)) process.kill(pid, "SIGCONT");
    },
    async destroy() {
      for (const pid of paused.splice(0)) process.kill(pid, "SIGCONT");
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function childPids(parent: number): number[] {
  const out = execFileSync("ps", ["-o", "pid=", "--ppid", String(parent)], { encoding: "utf8" });
  return out.split("\n").map((line) => Number(line.trim())).filter((pid) => pid > 0);
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string): number => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

async function untilAccepting(dsn: string, running: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!running()) throw new Error(`private PostgreSQL exited while starting: ${log()}`);
    const client = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 1_000 });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`private PostgreSQL did not accept connections: ${String(error)}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
