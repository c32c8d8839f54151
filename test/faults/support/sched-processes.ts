import { freePort } from "../../support/free-port.js";
import { spawnSched, type Exit as ProcessExit, type SchedChild } from "../../support/sched-process.js";

const tailChars = 32 * 1024;
const startTimeoutMs = 30_000;

export type Role = "serve" | "expiry-worker";

/** Where a process runs: a network namespace of the test's own, and (for a server) the address it listens on there. */
export interface Placement {
  netns: string;
  host: string;
}

export interface Exit extends ProcessExit {
  /** Whether the test asked for it (kill or stop), as opposed to a crash. */
  requested: boolean;
}

/**
 * One `sched serve` or `sched expiry-worker` process that a test can kill,
 * pause and start again; a server keeps its port across restarts, so that
 * clients find it where it was. Each start is a process of the tests' one
 * spawner (test/support/sched-process.ts).
 */
export class ManagedProcess {
  private child: SchedChild | undefined;
  private exited: Promise<Exit> = Promise.resolve({ code: null, signal: null, requested: true });
  private stopRequested = false;
  /** What the processes before this one wrote, so that a crash's last words outlive a restart. */
  private earlierOutput = "";
  private childOutputFolded = false;
  /** Every exit so far, in order. */
  readonly exits: Exit[] = [];

  constructor(
    readonly role: Role,
    readonly name: string,
    private readonly env: Record<string, string>,
    /** The server's port; undefined for a worker. */
    readonly port: number | undefined,
    /** In a network namespace; loopback otherwise. */
    readonly placement?: Placement,
  ) {}

  get url(): string | undefined {
    return this.port === undefined ? undefined : `http://${this.placement?.host ?? "127.0.0.1"}:${this.port}`;
  }

  get pid(): number {
    if (this.child === undefined) throw new Error(`${this.name} has not started`);
    return this.child.pid;
  }

  alive(): boolean {
    return this.child?.alive() ?? false;
  }

  /** Exits the test did not ask for. */
  crashes(): Exit[] {
    return this.exits.filter((exit) => !exit.requested);
  }

  /** The last 32 KiB of what the process wrote, for failure messages. */
  tail(): string {
    const current = this.child === undefined || this.childOutputFolded ? "" : this.child.output();
    return (this.earlierOutput + current).slice(-tailChars);
  }

  /** Starts the process (again) and resolves once it serves or its worker loop runs. */
  async start(): Promise<void> {
    if (this.alive()) throw new Error(`${this.name} is already running`);
    const args = this.role === "serve" ? ["serve", "--host", this.placement?.host ?? "127.0.0.1"] : ["expiry-worker"];
    const child = spawnSched(args, {
      env: { ...this.env, ...(this.port ? { HTTP_PORT: String(this.port) } : {}) },
      netns: this.placement?.netns,
      keepChars: tailChars,
      name: this.name,
    });
    this.child = child;
    this.childOutputFolded = false;
    this.stopRequested = false;
    this.exited = child.exited.then((exit) => {
      const recorded = { ...exit, requested: this.stopRequested };
      this.earlierOutput = (this.earlierOutput + child.output()).slice(-tailChars);
      this.childOutputFolded = true;
      this.exits.push(recorded);
      return recorded;
    });
    const readyWords = this.role === "serve" ? "sched serving on" : "expiry worker started";
    await child.waitFor(() => (child.output().includes(readyWords) ? true : undefined), "start", startTimeoutMs);
  }

  /** Sends the signal and waits for the process to end (SIGKILL: a crash on purpose; SIGTERM: a clean stop). */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    if (!this.alive()) return this.exited;
    this.stopRequested = true;
    // A frozen process takes no signal but SIGKILL until it is thawed.
    this.child!.signal("SIGCONT");
    this.child!.signal(signal);
    return this.exited;
  }

  /** Sends a signal that does not end the process, such as SIGSTOP to freeze it and SIGCONT to thaw it. */
  signal(signal: NodeJS.Signals): void {
    this.child?.signal(signal);
  }
}

export interface SchedProcessesOptions {
  dsn: string;
  redisUrl: string;
  servers: number;
  workers: number;
  /** Extra environment for every process, e.g. APPOINTMENT_TTL, LOCK_TTL, WORKER_INTERVAL. */
  env?: Record<string, string>;
  /** Each server's and worker's network namespace, in order; loopback when absent. */
  placement?: { servers: Placement[]; workers: Placement[] };
}

export interface SchedProcesses {
  servers: ManagedProcess[];
  workers: ManagedProcess[];
  /** Every server's base URL, in order. */
  urls(): string[];
  /** Every exit the test did not ask for, with the process's last words. */
  crashes(): { name: string; exit: Exit; tail: string }[];
  /** SIGKILLs whatever still runs; safe to call twice. */
  stopAll(): Promise<void>;
}

/** Starts N `sched serve` (each on its own free port) and M `sched expiry-worker` on one database and Redis. */
export async function startSchedProcesses(options: SchedProcessesOptions): Promise<SchedProcesses> {
  const env = {
    POSTGRES_DSN: options.dsn,
    REDIS_URL: options.redisUrl,
    APPOINTMENT_TTL: "2s",
    WORKER_INTERVAL: "1s",
    SHUTDOWN_TIMEOUT: "2s",
    ...options.env,
  };
  const servers: ManagedProcess[] = [];
  for (let index = 1; index <= options.servers; index += 1) {
    servers.push(new ManagedProcess("serve", `serve-${index}`, env, await freePort(), options.placement?.servers[index - 1]));
  }
  const workers = Array.from(
    { length: options.workers },
    (_, index) => new ManagedProcess("expiry-worker", `expiry-worker-${index + 1}`, env, undefined, options.placement?.workers[index]),
  );
  const all = [...servers, ...workers];
  const processes: SchedProcesses = {
    servers,
    workers,
    urls: () => servers.map((server) => server.url!),
    crashes: () => all.flatMap((managed) => managed.crashes().map((exit) => ({ name: managed.name, exit, tail: managed.tail() }))),
    async stopAll() {
      await Promise.all(all.map((managed) => managed.stop("SIGKILL")));
    },
  };
  try {
    await Promise.all(all.map((managed) => managed.start()));
  } catch (error) {
    await processes.stopAll();
    throw error;
  }
  return processes;
}
