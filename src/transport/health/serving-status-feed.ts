/**
 * One probe loop per process, shared by every health Watch stream: a
 * thousand watchers cost PostgreSQL one ping per interval, not a thousand.
 * The loop runs only while somebody watches, and each watcher is told the
 * current status and then every change.
 */
export class ServingStatusFeed<Status> {
  private status: Status | undefined;
  /** Bumped on every change, so that a watcher knows what it has seen. */
  private version = 0;
  private watchers = 0;
  /** Bumped on every start and stop, so that a probe of a stopped loop changes nothing. */
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly probe: () => Promise<Status>,
    private readonly intervalMs: number,
  ) {}

  /** The current status, then each change, until the signal aborts. */
  async *updates(signal: AbortSignal): AsyncGenerator<Status> {
    this.watchers += 1;
    if (this.watchers === 1) this.start();
    try {
      let seen = 0;
      while (!signal.aborted) {
        if (this.status !== undefined && this.version !== seen) {
          seen = this.version;
          yield this.status;
        } else {
          await this.change(signal);
        }
      }
    } finally {
      this.watchers -= 1;
      if (this.watchers === 0) this.stop();
    }
  }

  private start(): void {
    this.generation += 1;
    void this.poll(this.generation);
  }

  private stop(): void {
    this.generation += 1;
    clearTimeout(this.timer);
    this.timer = undefined;
    // Nobody watches: what was probed goes stale, and the next watcher waits for a fresh probe.
    this.status = undefined;
  }

  private async poll(generation: number): Promise<void> {
    const status = await this.probe();
    if (generation !== this.generation) return;
    if (status !== this.status) {
      this.status = status;
      this.version += 1;
      for (const wake of this.waiting) wake();
    }
    this.timer = setTimeout(() => void this.poll(generation), this.intervalMs);
  }

  private change(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiting.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.waiting.add(done);
      signal.addEventListener("abort", done);
    });
  }
}
