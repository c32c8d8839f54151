import type { SlotLock } from "../../core/ports/slot-lock.js";

/** Whether each dependency answers right now. A probe never throws and never hangs. */
export interface DependencyProbes {
  postgres(): Promise<boolean>;
  /** Undefined when no Redis is configured (sched dev locks slots in the process). */
  redis: (() => Promise<boolean>) | undefined;
}

export interface DependencyProbeOptions {
  /** Resolves when PostgreSQL answers; the adapter's ping. */
  pingDatabase: () => Promise<unknown>;
  /** The Redis slot lock; undefined when there is none to check. */
  lock: SlotLock | undefined;
  /** An orchestrator's probe has a deadline of its own, usually a second. */
  timeoutMs?: number;
}

export function dependencyProbes({ pingDatabase, lock, timeoutMs = 800 }: DependencyProbeOptions): DependencyProbes {
  return {
    postgres: () => answersWithin(timeoutMs, () => pingDatabase().then(() => true)),
    redis: lock === undefined ? undefined : () => answersWithin(timeoutMs, () => lock.isAvailable()),
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
