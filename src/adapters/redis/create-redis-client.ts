import { Cluster, Redis, type RedisOptions } from "ioredis";

const reconnectDelayCapMs = 2_000;

/** Where Redis is: one server, or the nodes of a Redis Cluster to discover it from. */
export interface RedisTarget {
  /** redis:// or rediss:// URL; with clusterNodes it lends only its user, password and TLS. */
  url: string;
  clusterNodes?: Array<{ host: string; port: number }>;
}

/**
 * Client options for Redis as an optional dependency: while Redis is away a
 * command fails at once instead of waiting in a queue, and the client keeps
 * reconnecting for ever so that Redis coming back is noticed.
 */
export function redisClientOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    // A slot-lock command lost with its connection is not worth retrying: the
    // booking goes on without the lock.
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    retryStrategy: reconnectDelayMs,
    lazyConnect: false,
    // Auto-pipelining holds every command back to the next tick to write it
    // with others. A booking's answer is written before that tick, so its lock's
    // release would reach Redis after the client had the answer, and the
    // client's next booking of the slot, through another server, would be
    // told that the slot is being booked (test/booking-across-servers.test.ts).
    enableAutoPipelining: false,
  };
}

export function reconnectDelayMs(attempt: number): number {
  return Math.min(attempt * 100, reconnectDelayCapMs);
}

export function createRedisClient(url: string): Redis {
  const client = new Redis(url, redisClientOptions());
  // Every failed connection attempt is emitted as an error; without a
  // listener ioredis prints each one. The slot lock reports an outage
  // itself, once, when its commands start failing.
  client.on("error", () => {});
  return client;
}

/** One Redis server or a Redis Cluster: both run every command sched sends. */
export type RedisConnection = Redis | Cluster;

/** The client for the configured Redis: ioredis' cluster client when cluster nodes are named. */
export function createRedisConnection(target: RedisTarget): RedisConnection {
  if (target.clusterNodes === undefined) return createRedisClient(target.url);
  return createRedisClusterClient(target.clusterNodes, target.url);
}

function createRedisClusterClient(nodes: Array<{ host: string; port: number }>, credentialsUrl: string): Cluster {
  const url = new URL(credentialsUrl);
  const cluster = new Cluster(nodes, {
    enableOfflineQueue: false,
    // Rediscovers the cluster for ever, as the single client reconnects for ever.
    clusterRetryStrategy: reconnectDelayMs,
    slotsRefreshTimeout: 1_000,
    redisOptions: {
      maxRetriesPerRequest: 0,
      connectTimeout: 1_000,
      ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
      ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
      ...(url.protocol === "rediss:" ? { tls: {} } : {}),
    },
  });
  cluster.on("error", () => {});
  // Each node's connection reports its own failures too.
  cluster.on("node error", () => {});
  return cluster;
}
