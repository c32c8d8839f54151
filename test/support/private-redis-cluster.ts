import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";
import { withRedisNode } from "./redis-node.js";

const run = promisify(execFile);

export interface ClusterMaster {
  host: "127.0.0.1";
  port: number;
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
  /** Starts a stopped master again on its port and node file (its slots, none of its keys), and waits for the cluster to be ok. */
  restart(index: number): Promise<void>;
  /** Stops every master still running and deletes their files. */
  destroy(): Promise<void>;
}

export interface PrivateRedisClusterOptions {
  masters?: number;
  /** How long a master may be silent before the others mark it failed. */
  nodeTimeoutMs?: number;
}

interface MasterProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

export async function createPrivateRedisCluster(options: PrivateRedisClusterOptions = {}): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "sched-redis-cluster-"));
  const ports: number[] = [];
  for (let index = 0; index < (options.masters ?? 3); index += 1) ports.push(await freePort());
  const startMaster = (port: number): MasterProcess => {
    const child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
        "--cluster-config-file", join(dir, `nodes-${port}.conf`), "--cluster-node-timeout", String(options.nodeTimeoutMs ?? 2_000),
        "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: "ignore" },
    );
    return { child, exited: new Promise<void>((resolve) => child.once("exit", () => resolve())) };
  };
  const processes = ports.map(startMaster);
  const isRunning = (index: number): boolean => processes[index]!.child.exitCode === null && processes[index]!.child.signalCode === null;
  const killAll = async (): Promise<void> => {
    for (const index of processes.keys()) if (isRunning(index)) processes[index]!.child.kill("SIGKILL");
    await Promise.all(processes.map((master) => master.exited));
  };
  try {
    await Promise.all(ports.map((port) => untilAnswering(port)));
    await run("redis-cli", ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes"]);
    await Promise.all(ports.map((port) => untilClusterOk(port)));
  } catch (error) {
    await killAll();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    masters: ports.map((port) => ({ host: "127.0.0.1", port })),
    nodeList: ports.map((port) => `127.0.0.1:${port}`).join(","),
    async state() {
      const index = ports.findIndex((_, candidate) => isRunning(candidate));
      return index === -1 ? "fail" : clusterState(ports[index]!);
    },
    keyCount: (index) => withRedisNode(ports[index]!, (client) => client.dbsize()),
    async kill(index, signal = "SIGKILL") {
      processes[index]!.child.kill(signal);
      await processes[index]!.exited;
    },
    async restart(index) {
      if (isRunning(index)) throw new Error(`master ${index} still runs`);
      processes[index] = startMaster(ports[index]!);
      await untilAnswering(ports[index]!);
      await Promise.all(ports.map((port) => untilClusterOk(port)));
    },
    async destroy() {
      await killAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function clusterState(port: number): Promise<string> {
  const info = await withRedisNode(port, (client) => client.cluster("INFO"));
  return /cluster_state:(\w+)/.exec(info)?.[1] ?? "unknown";
}

async function untilAnswering(port: number): Promise<void> {
  await until(async () => (await withRedisNode(port, (client) => client.ping())) === "PONG", `redis-server on port ${port} to answer`);
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
