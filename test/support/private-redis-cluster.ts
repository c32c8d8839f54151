import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";

const run = promisify(execFile);

export interface ClusterMaster {
  host: "127.0.0.1";
  port: number;
  pid: number;
  /** Resolves when the process has ended. */
  exited: Promise<void>;
}

/** A Redis Cluster of the test's own, every master a redis-server on a free loopback port. */
export interface PrivateRedisCluster {
  masters: ClusterMaster[];
  /** The value for REDIS_CLUSTER_NODES. */
  nodeList: string;
  /** The cluster's own view, from a master that still runs: "ok" or "fail". */
  state(): Promise<string>;
  /** How many keys one master holds. */
  keyCount(index: number): Promise<number>;
  /** Sends the signal to one master's process (SIGKILL by default) and waits for it to end. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Stops every master still running and deletes their files. */
  destroy(): Promise<void>;
}

export interface PrivateRedisClusterOptions {
  masters?: number;
  /** How long a master may be silent before the others mark it failed. */
  nodeTimeoutMs?: number;
}

export async function createPrivateRedisCluster(options: PrivateRedisClusterOptions = {}): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sched-redis-cluster-"));
  const children: ChildProcess[] = [];
  const masters: ClusterMaster[] = [];
  try {
    for (let index = 0; index < (options.masters ?? 3); index += 1) {
      const port = await freePort();
      const child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
          "--cluster-config-file", join(dir, `nodes-${port}.conf`), "--cluster-node-timeout", String(options.nodeTimeoutMs ?? 2_000),
          "--save", "", "--appendonly", "no", "--dir", dir],
        { stdio: "ignore" },
      );
      children.push(child);
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      masters.push({ host: "127.0.0.1", port, pid: child.pid!, exited });
    }
    await Promise.all(masters.map((master) => untilAnswering(master.port)));
    await run("redis-cli", [
      "--cluster", "create", ...masters.map((master) => `127.0.0.1:${master.port}`), "--cluster-replicas", "0", "--cluster-yes",
    ]);
    await Promise.all(masters.map((master) => untilClusterOk(master.port)));
  } catch (error) {
    for (const child of children) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const running = (): ClusterMaster[] => masters.filter((_, index) => children[index]!.exitCode === null && children[index]!.signalCode === null);
  return {
    masters,
    nodeList: masters.map((master) => `127.0.0.1:${master.port}`).join(","),
    async state() {
      const master = running()[0];
      return master === undefined ? "fail" : clusterState(master.port);
    },
    keyCount: (index) => withNode(masters[index]!.port, (client) => client.dbsize()),
    async kill(index, signal = "SIGKILL") {
      children[index]!.kill(signal);
      await masters[index]!.exited;
    },
    async destroy() {
      for (const index of masters.keys()) {
        if (children[index]!.exitCode === null && children[index]!.signalCode === null) children[index]!.kill("SIGKILL");
      }
      await Promise.all(masters.map((master) => master.exited));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function withNode<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

async function clusterState(port: number): Promise<string> {
  const info = await withNode(port, (client) => client.cluster("INFO"));
  return /cluster_state:(\w+)/.exec(info)?.[1] ?? "unknown";
}

async function untilAnswering(port: number): Promise<void> {
  await until(async () => (await withNode(port, (client) => client.ping())) === "PONG", `redis-server on port ${port} to answer`);
}

async function untilClusterOk(port: number): Promise<void> {
  await until(async () => (await clusterState(port)) === "ok", `the cluster to be ok on port ${port}`);
}

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
