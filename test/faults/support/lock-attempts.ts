/** A server's slot-lock outcomes so far, from its Prometheus counter sched_slot_lock_attempts_total. */
export interface LockAttempts {
  acquired: number;
  busy: number;
  unavailable: number;
}

export async function lockAttempts(serverUrl: string): Promise<LockAttempts> {
  const response = await fetch(`${serverUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const count = (outcome: keyof LockAttempts): number =>
    Number(new RegExp(`^sched_slot_lock_attempts_total\\{outcome="${outcome}"\\} (\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { acquired: count("acquired"), busy: count("busy"), unavailable: count("unavailable") };
}
