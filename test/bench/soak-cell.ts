import { grpcClients, restClients, runCell, type Clients } from "./load.js";
import { rssMb, type Server } from "./bench-processes.js";
import type { PickCaller } from "./bench-callers.js";

export interface Soak {
  seconds: number;
  clients: number;
  attemptsPerSecond: number;
  errors: number;
  /** Every sample, in MB per server process, one per `everySeconds`. */
  samples: { atSeconds: number; rssMb: number[] }[];
  everySeconds: number;
  maxMb: number;
  /** Largest process's growth: the highest RSS of the soak's second half after warm-up over the highest of its first half. */
  growthMb: number;
}

/** Spread load at `clients` for `seconds`, half of them REST and half gRPC, the servers' memory sampled all along. */
export async function soakCell(servers: Server[], slots: string[], pickCaller: PickCaller, seconds: number, clients: number, everySeconds = 10): Promise<Soak> {
  const started = performance.now();
  const samples: Soak["samples"] = [];
  const sample = (): void => void samples.push({ atSeconds: Math.round((performance.now() - started) / 1000), rssMb: servers.map((s) => rssMb(s.pid)) });
  sample();
  const sampler = setInterval(sample, everySeconds * 1000);
  const ports = servers.map((s) => s.port);
  const rest = restClients(ports, Math.ceil(clients / 2));
  const grpc = grpcClients(ports, Math.floor(clients / 2));
  const pool: Clients = {
    books: [...rest.books, ...grpc.books],
    close: () => {
      rest.close();
      grpc.close();
    },
  };
  try {
    const result = await runCell(pool, slots, pickCaller, seconds, false);
    sample();
    return { ...summary(samples, seconds, everySeconds), seconds: result.seconds, clients, attemptsPerSecond: result.attempts / result.seconds, errors: result.errors };
  } finally {
    clearInterval(sampler);
    pool.close();
  }
}

/**
 * The RSS of a server under steady load is a saw: it climbs as the heap
 * fills and drops when the collector runs, by 20–50 MB here. Two single
 * samples measure where the saw happened to be; a leak shows instead as
 * peaks that keep rising. So the growth is the highest sample of the second
 * half after warm-up (the first minute, or the first third of a short soak:
 * JIT, pools, buffers) over the highest of the first half.
 */
function summary(samples: Soak["samples"], seconds: number, everySeconds: number): Pick<Soak, "samples" | "everySeconds" | "maxMb" | "growthMb"> {
  const warmUntil = Math.min(60, seconds / 3);
  const steady = samples.filter((s) => s.atSeconds >= warmUntil);
  const half = Math.floor(steady.length / 2);
  const peaks = (list: Soak["samples"]): number[] => list[0]!.rssMb.map((_, i) => Math.max(...list.map((s) => s.rssMb[i]!)));
  // A soak too short for two samples after warm-up compares its one sample with itself.
  const [first, second] = [peaks(steady.slice(0, Math.max(1, half))), peaks(steady.slice(half))];
  return {
    samples,
    everySeconds,
    maxMb: Math.max(...samples.flatMap((s) => s.rssMb)),
    growthMb: Math.max(...second.map((mb, i) => mb - first[i]!)),
  };
}
