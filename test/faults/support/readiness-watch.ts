import { eventually } from "../../support/eventually.js";

export interface ReadinessSample {
  /** "ok", "degraded", "unavailable", or "no answer". */
  status: string;
  httpStatus: number | undefined;
  at: number;
}

/** Polls one server's GET /health/ready and keeps every change of status, to show an outage and the recovery. */
export class ReadinessWatch {
  readonly changes: ReadinessSample[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    readonly url: string,
    private readonly intervalMs = 200,
  ) {
    void this.poll();
  }

  /** Every status seen so far, in order, without repeats. */
  statuses(): string[] {
    return this.changes.map((change) => change.status);
  }

  current(): string | undefined {
    return this.changes.at(-1)?.status;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    const sample = await this.sample();
    if (this.current() !== sample.status) this.changes.push(sample);
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), this.intervalMs);
  }

  private async sample(): Promise<ReadinessSample> {
    try {
      const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(3_000) });
      const body = (await response.json()) as { status?: unknown };
      return { status: String(body.status), httpStatus: response.status, at: Date.now() };
    } catch {
      return { status: "no answer", httpStatus: undefined, at: Date.now() };
    }
  }
}

/** Waits until every watched server reports the status. */
export async function allReport(watches: ReadinessWatch[], status: string, timeoutMs: number): Promise<true> {
  try {
    return await eventually(async () => (watches.every((watch) => watch.current() === status) ? true : undefined), timeoutMs, `readiness ${status}`);
  } catch (error) {
    // Which server did not get there, and what it said on the way.
    const seen = watches.map((watch) => `${watch.url}: ${watch.statuses().join(" → ")}`).join("; ");
    throw new Error(`${(error as Error).message} (${seen})`);
  }
}
