import { progressBar, type Progress } from "../terminal/progress-bar.js";
import { operations, type Operation, type OperationStats } from "./operation-stats.js";

/** A live line on a terminal: time gone, calls made, calls per second, errors so far. */
export function simulationProgress(durationMs: number, stats: Record<Operation, OperationStats>): Progress {
  const started = performance.now();
  const seconds = Math.ceil(durationMs / 1000);
  const bar = progressBar(seconds, "simulating [{bar}] {value}/{total}s | {calls} calls | {rate}/s | {conflicts} conflicts | {errors} errors", {
    calls: 0,
    rate: 0,
    conflicts: 0,
    errors: 0,
  });
  const timer = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    const sum = (field: "total" | "conflicts" | "errors"): number =>
      operations.reduce((total, operation) => total + stats[operation][field], 0);
    bar.update(Math.min(seconds, Math.floor(elapsed)), {
      calls: sum("total"),
      rate: Math.round(sum("total") / elapsed),
      conflicts: sum("conflicts"),
      errors: sum("errors"),
    });
  }, 250);
  return {
    advance: bar.advance,
    update: bar.update,
    stop() {
      clearInterval(timer);
      bar.stop();
    },
  };
}
