import { grpcClients, percentile, restClients, runCell, type Clients } from "./load.js";
import type { Row, Shape } from "./bench-row.js";
import { rssMb, type Server } from "./bench-processes.js";
import { perAttempt, startCpuMeter } from "./cpu-meter.js";
import type { PickCaller } from "./bench-callers.js";

/** The load generator against `sched serve`, with the server's memory sampled meanwhile. */
export async function serverCell(
  protocol: "rest" | "grpc",
  shape: Shape,
  clients: number,
  servers: Server[],
  slots: string[],
  pickCaller: PickCaller,
  seconds: number,
): Promise<Row> {
  const ports = servers.map((server) => server.port);
  const pool: Clients = protocol === "rest" ? restClients(ports, clients) : grpcClients(ports, clients);
  // The largest process counts: the target is per server process.
  const largest = (): number => Math.max(...servers.map((server) => rssMb(server.pid)));
  let rssMax = largest();
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, largest())), 200);
  try {
    const cpuSince = startCpuMeter(servers.map((server) => server.pid));
    const result = await runCell(pool, slots, pickCaller, seconds);
    const cpu = perAttempt(cpuSince(), result.attempts);
    const sorted = Float64Array.from(result.latenciesMs).sort();
    const list = Array.from(sorted);
    return {
      protocol,
      server: servers[0]!.configuration,
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
      serverRssMb: { max: rssMax, end: largest() },
      cpuMsPerAttempt: cpu,
      ratioToBaseline: null,
    };
  } finally {
    clearInterval(sampler);
    pool.close();
  }
}
