import type { SlotLock } from "../../core/ports/slot-lock.js";

/** Whether each dependency answers right now. A probe never throws and never hangs. */
export interface DependencyProbes {
  postgres(): Promise<boolean>;
  redis(): Promise<boolean>;
}

export interface DependencyProbeOptions {
  /** Resolves when PostgreSQL answers; the adapter's ping. */
  pingDatabase: () => Promise<unknown>;
  lock: SlotLock;
  /** An orchestrator's probe has a deadline of its own, usually a second. */
  timeoutMs?: number;
}

export function dependencyProbes({ pingDatabase, lock, timeoutMs = 800 }: DependencyProbeOptions): DependencyProbes {
  return {
    postgres: () => answersWithin(timeoutMs, () => pingDatabase().then(() => true)),
    redis: () => answersWithin(timeoutMs, () => lock.isAvailable()),
  };
}

async function answersWithin(timeoutMs: number, probe: () => Promise<boolean>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([probe().catch(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
