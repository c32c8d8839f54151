import type { SimulationIds } from "../../app/simulate/simulation-database.js";
import { HistoryRecorder, type HistoryOperation } from "../../core/history/history-operation.js";
import { OperationStats, type Operation } from "./operation-stats.js";
import { restTrafficClient } from "./rest-traffic-client.js";
import { rpcTrafficClient } from "./rpc-traffic-client.js";
import type { SimulationSettings } from "./simulate-settings.js";
import { runWorker } from "./simulation-worker.js";
import { simulationProgress } from "./simulation-progress.js";
import type { TrafficClient } from "./traffic-client.js";

export interface SimulationRun {
  /** From the first call to the end of the last one. */
  seconds: number;
  stats: Record<Operation, OperationStats>;
  /** Every booking and confirmation sent, with its answer. */
  history: HistoryOperation[];
  /** Date.now() before the first call. */
  startedAt: number;
}

/** Every worker loops until the duration is over; workers are dealt to the servers in turn. */
export async function runSimulation(settings: SimulationSettings, ids: SimulationIds, stopped: AbortSignal): Promise<SimulationRun> {
  const workersPerServer = Math.ceil(settings.workers / settings.urls.length);
  const clients = settings.urls.map((url) => trafficClient(settings, url, workersPerServer));
  const stats = { booking: new OperationStats(), confirm: new OperationStats(), read: new OperationStats() };
  const progress = simulationProgress(settings.durationMs, stats);
  const history = new HistoryRecorder();
  const startedAt = Date.now();
  const started = performance.now();
  const stopAt = started + settings.durationMs;
  try {
    await Promise.all(
      Array.from({ length: settings.workers }, (_, worker) =>
        runWorker({ client: clients[worker % clients.length]!, ...ids, mix: settings.mix, stopAt, stopped, stats, history }),
      ),
    );
  } finally {
    progress.stop();
    for (const client of clients) client.close();
  }
  return { seconds: (performance.now() - started) / 1000, stats, history: history.operations, startedAt };
}

function trafficClient(settings: SimulationSettings, url: string, connections: number): TrafficClient {
  const access = { token: settings.token, ca: settings.ca };
  return settings.protocol === "rest" ? restTrafficClient(url, connections, access) : rpcTrafficClient(url, settings.protocol, access);
}
