import { grpcClients, percentile, restClients, runCell, type Clients } from "./load.js";
import type { Row } from "./bench-row.js";
import { rssMb, type Server } from "./bench-processes.js";

/** The load generator against `sched serve`, with the server's memory sampled meanwhile. */
export async function serverCell(
  protocol: "rest" | "grpc",
  shape: "spread" | "hot",
  clients: number,
  server: Server,
  slots: string[],
  patients: string[],
  seconds: number,
): Promise<Row> {
  const pool: Clients = protocol === "rest" ? restClients(server.port, clients) : grpcClients(server.port, clients);
  let rssMax = rssMb(server.pid);
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(server.pid))), 200);
  try {
    const result = await runCell(pool, slots, patients, seconds);
    const sorted = Float64Array.from(result.latenciesMs).sort();
    const list = Array.from(sorted);
    return {
      protocol,
      shape,
      clients,
      attemptsPerSecond: result.attempts / result.seconds,
      bookedPerSecond: result.booked / result.seconds,
      p50Ms: percentile(list, 50),
      p95Ms: percentile(list, 95),
      p99Ms: percentile(list, 99),
      attempts: result.attempts,
      booked: result.booked,
      conflicts: result.conflicts,
      errors: result.errors,
      reasons: result.reasons,
      serverRssMb: { max: rssMax, end: rssMb(server.pid) },
      ratioToBaseline: null,
    };
  } finally {
    clearInterval(sampler);
    pool.close();
  }
}
