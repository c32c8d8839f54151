import { InProcessSlotLock } from "../../adapters/memory/in-process-slot-lock.js";
import { loadConfig, type Config, type LoadConfigOptions } from "../../config/config.js";
import { isSchedError } from "../../core/errors.js";
import type { SlotLock } from "../../core/ports/slot-lock.js";

export interface DevSlotLock {
  /** Undefined means the Redis lock the configuration names. */
  lock: SlotLock | undefined;
  description: string;
}

/**
 * Redis only when the user named one: the loader always fills in Redis's
 * default address, and `sched dev` must not wait on a Redis nobody started.
 */
export function devSlotLock(config: Config, source: LoadConfigOptions): DevSlotLock {
  const nodes = config.redis.clusterNodes;
  if (nodes !== undefined) {
    const addresses = nodes.map(({ host, port }) => `${host}:${port}`).join(", ");
    return { lock: undefined, description: `the Redis slot lock on the Redis Cluster at ${addresses}` };
  }
  if (isSet("REDIS_URL", source) || isSet("REDIS_ADDR", source)) {
    // Host and port only: the URL may carry a password.
    return { lock: undefined, description: `the Redis slot lock at ${new URL(config.redis.url).host}` };
  }
  return { lock: new InProcessSlotLock({ lockTtlMs: config.lockTtlMs }), description: "an in-process slot lock (no Redis configured)" };
}

// Whether the flags, the environment or .env of `source` set the variable,
// asked through the loader's own check of required variables.
function isSet(variable: "REDIS_URL" | "REDIS_ADDR", source: LoadConfigOptions): boolean {
  try {
    loadConfig({ ...source, required: [variable] });
    return true;
  } catch (error) {
    if (isSchedError(error, "invalid_configuration") && error.variable === variable) return false;
    throw error;
  }
}

