import { Redis } from "ioredis";

/**
 * Runs `work` on a one-off connection to the redis-server on a loopback
 * port: no retries and no reconnects, so that a server that is down fails the
 * call at once instead of queueing it.
 */
export async function withRedisNode<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500, retryStrategy: () => null });
  // A refused connection also arrives as an 'error' event, which connect() already reports.
  client.on("error", () => {});
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}
