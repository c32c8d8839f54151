import cliProgress from "cli-progress";

/** What long work reports its progress to; a no-op when nobody watches. */
export interface Progress {
  advance(by: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

const silentProgress: Progress = { advance() {}, update() {}, stop() {} };

/**
 * A bar on stdout when stdout is a terminal, and nothing otherwise: a bar's
 * redraws would only clutter a file or a pipe. It is cleared when it stops,
 * so that the report (or the JSON) printed after it stands alone.
 */
export function progressBar(total: number, format: string, payload: Record<string, unknown> = {}): Progress {
  if (process.stdout.isTTY !== true) return silentProgress;
  const bar = new cliProgress.SingleBar(
    { format, stream: process.stdout, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, payload);
  return {
    advance: (by, update) => bar.increment(by, update),
    update: (value, update) => bar.update(value, update),
    stop: () => bar.stop(),
  };
}
