import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createPrivatePostgres, type PrivatePostgres } from "../../support/private-postgres.js";
import { createPrivateRedisCluster, type PrivateRedisCluster, type PrivateRedisClusterOptions } from "../../support/private-redis-cluster.js";
import { createFaultData, seedFaultData, type FaultData, type FaultDataOptions } from "./fault-data.js";
import { LoadDriver, type LoadOptions } from "./load-driver.js";
import { PrivateRedis } from "../../support/private-redis.js";
import { PartitionNetwork } from "./partition-network.js";
import { startSchedProcesses, type SchedProcesses } from "./sched-processes.js";

export interface ScenarioOptions {
  servers: number;
  workers: number;
  /** Extra environment for every sched process, e.g. { LOCK_TTL: "1s" }. */
  env?: Record<string, string>;
  /** How much to seed (clinicians, slots, patients, capacity). */
  seed?: FaultDataOptions;
  /** "shared": a fresh database on the machine's PostgreSQL (default); "private": a cluster the scenario may stop. */
  postgres?: "shared" | "private";
  /** "private": one redis-server of the scenario's own (default); { cluster }: a Redis Cluster of its own. */
  redis?: "private" | { cluster: PrivateRedisClusterOptions };
  /**
   * "namespaces": every sched process in a network namespace of its own,
   * reaching the private Redis and the private PostgreSQL (required) over a
   * bridge that scenario.network can cut; loopback otherwise.
   */
  network?: "loopback" | "namespaces";
}

/** The live handles of a running scenario; a handle the scenario did not ask for throws. */
export interface Scenario {
  readonly data: FaultData;
  readonly sched: SchedProcesses;
  readonly redis: PrivateRedis;
  readonly cluster: PrivateRedisCluster;
  readonly postgres: PrivatePostgres;
  readonly network: PartitionNetwork;
  /** A load driver over every server and the seeded slots and patients. */
  load(options: Omit<LoadOptions, "urls" | "slotIds" | "patientIds">): LoadDriver;
}

/**
 * Registers the scenario's beforeAll (database, Redis, sched processes) and
 * afterAll (everything stopped by pid, the database dropped), and returns the
 * handles, which are live from the first test on.
 */
export function useScenario(label: string, options: ScenarioOptions): Scenario {
  let data: FaultData | undefined;
  let sched: SchedProcesses | undefined;
  let redis: PrivateRedis | undefined;
  let cluster: PrivateRedisCluster | undefined;
  let postgres: PrivatePostgres | undefined;
  let network: PartitionNetwork | undefined;

  beforeAll(async () => {
    const redisOption = options.redis ?? "private";
    if (options.network === "namespaces") {
      if (options.postgres !== "private" || redisOption !== "private") throw new Error("network namespaces need a private PostgreSQL and a private Redis");
      network = PartitionNetwork.create();
    }
    if (options.postgres === "private") {
      postgres = await createPrivatePostgres(
        `faults-${label}`,
        network ? { listenAddresses: [network.postgresHost], trustNetworks: [network.cidr] } : {},
      );
      data = await seedFaultData(await createDatabase(postgres), options.seed);
    } else {
      data = await createFaultData(label, options.seed);
    }
    if (redisOption === "private") redis = await PrivateRedis.start(network ? { bind: [network.redisHost] } : {});
    else cluster = await createPrivateRedisCluster(redisOption.cluster);
    const placement = network && {
      servers: Array.from({ length: options.servers }, (_, index) => network!.addNamespace(`s${index + 1}`)),
      workers: Array.from({ length: options.workers }, (_, index) => network!.addNamespace(`w${index + 1}`)),
    };
    sched = await startSchedProcesses({
      dsn: network ? `postgres://postgres@${network.postgresHost}:${postgres!.port}/sched` : data.dsn,
      // With REDIS_CLUSTER_NODES, which wins, REDIS_URL names a port nothing listens on: that proves it unused.
      redisUrl: network ? `redis://${network.redisHost}:${redis!.port}` : (redis?.url ?? "redis://127.0.0.1:1"),
      servers: options.servers,
      workers: options.workers,
      env: { ...(cluster ? { REDIS_CLUSTER_NODES: cluster.nodeList } : {}), ...options.env },
      ...(placement ? { placement } : {}),
    });
  });

  afterAll(async () => {
    // Read before stopAll, whose SIGKILLs are asked for. A test that failed
    // before its ending's check still reports a process that died under it,
    // with its last words, instead of only the "connection refused" it caused.
    const crashes = sched?.crashes() ?? [];
    await sched?.stopAll();
    network?.destroy();
    await redis?.stop();
    await cluster?.destroy();
    await data?.close();
    await postgres?.destroy();
    if (crashes.length > 0) {
      const words = crashes.map(({ name, exit, tail }) => `${name} exited (${exit.code ?? exit.signal}): ${tail.slice(-2_000)}`);
      throw new Error(`scenario ${label}: sched processes died that the test did not stop:\n${words.join("\n")}`);
    }
  });

  const live = <T>(handle: T | undefined, what: string): T => {
    if (handle === undefined) throw new Error(`scenario ${label} has no ${what} (not asked for, or not started yet)`);
    return handle;
  };
  return {
    get data() {
      return live(data, "data");
    },
    get sched() {
      return live(sched, "sched processes");
    },
    get redis() {
      return live(redis, "private Redis");
    },
    get cluster() {
      return live(cluster, "Redis Cluster");
    },
    get postgres() {
      return live(postgres, "private PostgreSQL");
    },
    get network() {
      return live(network, "partition network");
    },
    load(loadOptions) {
      const { slotIds, patientIds } = live(data, "data");
      return new LoadDriver({ urls: live(sched, "sched processes").urls(), slotIds, patientIds, ...loadOptions });
    },
  };
}

/** Creates the database "sched" on a private cluster and returns its DSN. */
export async function createDatabase(postgres: Pick<PrivatePostgres, "adminDsn" | "dsn">): Promise<string> {
  const admin = new pg.Client({ connectionString: postgres.adminDsn });
  await admin.connect();
  try {
    await admin.query("CREATE DATABASE sched");
  } finally {
    await admin.end();
  }
  return postgres.dsn("sched");
}
