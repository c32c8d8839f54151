import { Redis, type RedisOptions } from "ioredis";

const reconnectDelayCapMs = 2_000;

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
    enableAutoPipelining: true,
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
