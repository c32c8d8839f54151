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
  /** Largest process's growth from the first sample after warm-up to the last. */
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
    // The first minute (or the first third of a short soak) is warm-up: JIT, pools, buffers.
    const warm = samples.find((s) => s.atSeconds >= Math.min(60, seconds / 3)) ?? samples[0]!;
    const last = samples[samples.length - 1]!;
    const growth = Math.max(...last.rssMb.map((mb, i) => mb - warm.rssMb[i]!));
    return {
      seconds: result.seconds,
      clients,
      attemptsPerSecond: result.attempts / result.seconds,
      errors: result.errors,
      samples,
      everySeconds,
      maxMb: Math.max(...samples.flatMap((s) => s.rssMb)),
      growthMb: growth,
    };
  } finally {
    clearInterval(sampler);
    pool.close();
  }
}
