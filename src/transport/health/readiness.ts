import type { DependencyProbes } from "./dependency-probes.js";

export type DependencyState = "ok" | "unavailable" | "not_configured";

export interface Readiness {
  /** degraded: Redis is down, bookings go on without the slot lock. */
  status: "ok" | "degraded" | "unavailable";
  checks: { postgres: DependencyState; redis: DependencyState };
}

/** PostgreSQL is required to serve; Redis only sheds contention. */
export async function checkReadiness(probes: DependencyProbes): Promise<Readiness> {
  const [postgres, redis] = await Promise.all([probes.postgres(), probes.redis?.()]);
  const status = !postgres ? "unavailable" : redis === false ? "degraded" : "ok";
  return { status, checks: { postgres: stateOf(postgres), redis: redis === undefined ? "not_configured" : stateOf(redis) } };
}

export function readinessHttpStatus(readiness: Readiness): number {
  return readiness.status === "unavailable" ? 503 : 200;
}

function stateOf(answers: boolean): DependencyState {
  return answers ? "ok" : "unavailable";
}
