import { configurationError } from "./config-error.js";
import type { Lookup } from "./config-variable.js";

export interface RedisConfig {
  /** Always a redis:// or rediss:// URL. With clusterNodes, it lends only its user, password and TLS. */
  url: string;
  /** Redis Cluster nodes to discover the cluster from (host:port); undefined for a single Redis. */
  clusterNodes?: ClusterNode[];
}

export interface ClusterNode {
  host: string;
  port: number;
}

export function redisConfig(valueOf: Lookup, address: string): RedisConfig {
  const url = redisServerUrl(valueOf("REDIS_URL"), address);
  const username = valueOf("REDIS_USERNAME");
  const password = valueOf("REDIS_PASSWORD");
  // The URL setters leave "%" as is, while ioredis percent-decodes the user info.
  if (username !== undefined && url.username === "") url.username = encodeURIComponent(username);
  if (password !== undefined && url.password === "") url.password = encodeURIComponent(password);
  const clusterNodes = valueOf("REDIS_CLUSTER_NODES");
  return clusterNodes === undefined ? { url: url.href } : { url: url.href, clusterNodes: clusterNodeList(clusterNodes) };
}

function clusterNodeList(text: string): ClusterNode[] {
  const nodes = text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  const parsed = nodes.map((entry) => hostPortUrl(entry));
  if (nodes.length === 0 || parsed.some((url) => url === undefined)) {
    throw configurationError(
      "REDIS_CLUSTER_NODES",
      "REDIS_CLUSTER_NODES is not a list of host:port (example: 10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379)",
    );
  }
  // URL keeps an IPv6 host in brackets; the cluster client wants it bare.
  return parsed.map((url) => ({ host: url!.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(url!.port) }));
}

function redisServerUrl(redisUrl: string | undefined, address: string): URL {
  if (redisUrl === undefined) {
    const url = hostPortUrl(address);
    if (url) return url;
    throw configurationError(
      "REDIS_ADDR",
      `REDIS_ADDR: ${JSON.stringify(address)} is not host:port (example: 127.0.0.1:6379)`,
    );
  }
  const url = /^rediss?:\/\//i.test(redisUrl) ? fullRedisUrl(redisUrl) : hostPortUrl(redisUrl);
  if (url) return url;
  throw configurationError(
    "REDIS_URL",
    "REDIS_URL is not a Redis URL (examples: redis://127.0.0.1:6379, rediss://user:password@host:6380/0, 127.0.0.1:6379)",
  );
}

const hostPort = /^(?:\[[^\]]+\]|[^:/?#@[\]\s]+):(\d{1,5})$/;

function hostPortUrl(address: string): URL | undefined {
  const port = hostPort.exec(address)?.[1];
  return port !== undefined && isServerPort(port) ? urlOrUndefined(`redis://${address}`) : undefined;
}

function fullRedisUrl(text: string): URL | undefined {
  const url = urlOrUndefined(text);
  return url && url.hostname !== "" && (url.port === "" || isServerPort(url.port)) ? url : undefined;
}

function isServerPort(port: string): boolean {
  return Number(port) >= 1 && Number(port) <= 65535;
}

function urlOrUndefined(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
