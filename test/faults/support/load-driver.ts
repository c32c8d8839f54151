import { randomUUID } from "node:crypto";
import { LatencySamples, type LatencySummary } from "../../../src/cli/simulate/latency-samples.js";
import { bookedId, historyAnswer } from "./history-answer.js";
import { Ledger } from "./ledger.js";
import { RestTarget, type CallResult } from "./rest-call.js";

export interface LoadOptions {
  /** The servers' base URLs; traffic is dealt round-robin over them. */
  urls: string[];
  slotIds: string[];
  patientIds: string[];
  /** Concurrent clients, each one call at a time. */
  clients: number;
  /** A pause after each call, for a moderate load (soak); 0 by default. */
  thinkMs?: number;
  /** Attempts of one call over the servers when there is no answer or a 503 (default 6). */
  maxAttempts?: number;
  /** Per attempt; generous, because a hang is reported as a failure, not waited for (default 10 s). */
  timeoutMs?: number;
}

export type Operation = "book" | "confirm" | "cancel";

export interface OperationStats {
  calls: number;
  acknowledged: number;
  /** 4xx answers by error code (slot_already_booked, appointment_expired, ...). */
  refusals: Record<string, number>;
  /** 5xx answers by "status code" (e.g. "503 unavailable"): each one is a failure a client saw. */
  serverErrors: Record<string, number>;
  /** Calls that ended with no answer from any server after every attempt. */
  unanswered: number;
  /** Attempts with no answer (connection refused or reset, timeout), each retried on the next server. */
  transportErrors: Record<string, number>;
}

export interface LoadSummary {
  durationMs: number;
  clients: number;
  calls: number;
  callsPerSecond: number;
  operations: Record<Operation, OperationStats>;
  /** Acknowledged bookings per server URL. */
  bookingsByServer: Record<string, number>;
  latencyMs: LatencySummary;
}

const retryPauseMs = 100;

function emptyStats(): OperationStats {
  return { calls: 0, acknowledged: 0, refusals: {}, serverErrors: {}, unanswered: 0, transportErrors: {} };
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/**
 * Booking, confirm and cancel traffic over REST, spread over several `sched
 * serve` processes, recording in a Ledger every call a client saw succeed.
 * A call that gets no answer (or 503) is retried on the next server, a
 * booking with the same Idempotency-Key, as a client behind a load balancer
 * would; holds last APPOINTMENT_TTL, so some lapse while the run goes on.
 */
export class LoadDriver {
  readonly ledger = new Ledger();
  private readonly targets: RestTarget[];
  private readonly stats: Record<Operation, OperationStats> = { book: emptyStats(), confirm: emptyStats(), cancel: emptyStats() };
  private readonly bookingsByServer: Record<string, number> = {};
  private readonly all = new LatencySamples();
  private window = new LatencySamples();
  private running = false;
  private loops: Promise<void>[] = [];
  private startedAt = 0;
  private next = 0;

  constructor(private readonly options: LoadOptions) {
    this.targets = options.urls.map((url) => new RestTarget(url, options.clients));
  }

  start(): void {
    this.running = true;
    this.startedAt = performance.now();
    this.loops = Array.from({ length: this.options.clients }, () => this.client());
  }

  /** Stops after the calls in flight and returns what the run came to. */
  async stop(): Promise<LoadSummary> {
    this.running = false;
    await Promise.all(this.loops);
    const durationMs = performance.now() - this.startedAt;
    for (const target of this.targets) target.close();
    const calls = Object.values(this.stats).reduce((sum, stats) => sum + stats.calls, 0);
    return {
      durationMs: Math.round(durationMs),
      clients: this.options.clients,
      calls,
      callsPerSecond: Math.round((calls / durationMs) * 1000),
      operations: this.stats,
      bookingsByServer: this.bookingsByServer,
      latencyMs: LatencySamples.summarize([this.all]),
    };
  }

  /** The calls answered since the previous call of this method, and their latency (a soak's sampling window). */
  takeWindow(): { answered: number; latencyMs: LatencySummary } {
    const window = this.window;
    this.window = new LatencySamples();
    return { answered: window.values().length, latencyMs: LatencySamples.summarize([window]) };
  }

  private async client(): Promise<void> {
    const pending: string[] = [];
    const confirmed: string[] = [];
    while (this.running) {
      const draw = Math.random();
      if (draw < 0.25 && pending.length > 0) {
        const id = pending.splice(Math.floor(Math.random() * pending.length), 1)[0]!;
        if (await this.confirm(id)) confirmed.push(id);
      } else if (draw < 0.5 && confirmed.length + pending.length > 0) {
        const from = confirmed.length > 0 ? confirmed : pending;
        await this.cancel(from.splice(Math.floor(Math.random() * from.length), 1)[0]!);
      } else {
        const id = await this.book();
        if (id !== undefined) pending.push(id);
        // Older holds are left to lapse, for the expiry workers.
        if (pending.length > 20) pending.shift();
      }
      if (this.options.thinkMs) await new Promise((resolve) => setTimeout(resolve, this.options.thinkMs));
    }
  }

  private async book(): Promise<string | undefined> {
    const slotId = pick(this.options.slotIds);
    const patientId = pick(this.options.patientIds);
    const operation = this.ledger.history.begin("book", { slotId, patientId });
    const sent = await this.send("book", "/appointments", { slot_id: slotId, patient_id: patientId }, randomUUID());
    const result = sent.result;
    const id = bookedId(result);
    // Retries carry the same Idempotency-Key, so a refusal after an unanswered
    // attempt is still the truth, unless the first attempt is still running.
    operation.end(historyAnswer(result, id !== undefined, sent.uncertain && result?.body.error === "idempotency_key_in_use", sent.lastFailure), id);
    if (result === undefined || id === undefined) return undefined;
    this.ledger.bookings.set(id, { id, slotId, patientId, server: result.server, at: Date.now() });
    this.bookingsByServer[result.server] = (this.bookingsByServer[result.server] ?? 0) + 1;
    return id;
  }

  private async confirm(id: string): Promise<boolean> {
    const operation = this.ledger.history.begin("confirm", { appointmentId: id });
    const sent = await this.send("confirm", `/appointments/${id}/confirm`, {});
    const result = sent.result;
    const confirmed = result?.status === 200 && result.body.status === "confirmed";
    operation.end(historyAnswer(result, confirmed, sent.uncertain, sent.lastFailure));
    if (!confirmed) return false;
    this.ledger.confirms.add(id);
    return true;
  }

  private async cancel(id: string): Promise<void> {
    const operation = this.ledger.history.begin("cancel", { appointmentId: id });
    const sent = await this.send("cancel", `/appointments/${id}/cancel`, {});
    const cancelled = sent.result?.status === 200 && sent.result.body.status === "cancelled";
    operation.end(historyAnswer(sent.result, cancelled, sent.uncertain, sent.lastFailure));
    if (cancelled) this.ledger.cancels.add(id);
  }

  /**
   * One call, tried on the servers in turn until one answers with anything
   * but 503. Returns the answer that counted (success or refusal), or
   * undefined when none did, and whether an attempt before it went
   * unanswered or failed, which may have made the change.
   */
  private async send(operation: Operation, path: string, body: unknown, idempotencyKey?: string): Promise<Sent> {
    const stats = this.stats[operation];
    stats.calls += 1;
    const headers: Record<string, string> = idempotencyKey ? { "idempotency-key": idempotencyKey } : {};
    const attempts = this.options.maxAttempts ?? 6;
    // Each retry goes to the next server after the one that failed, so that a dead one is tried once per round.
    const first = this.next++;
    let uncertain = false;
    let lastFailure = "no attempt";
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      const target = this.targets[(first + attempt) % this.targets.length]!;
      const result = await target.call("POST", path, { body, headers, timeoutMs: this.options.timeoutMs ?? 10_000 });
      if (!result.answered) {
        bump(stats.transportErrors, result.error);
        uncertain = true;
        lastFailure = result.error;
      } else {
        this.all.add(result.ms);
        this.window.add(result.ms);
        const code = typeof result.body.error === "string" ? result.body.error : `http_${result.status}`;
        if (result.status >= 500) bump(stats.serverErrors, `${result.status} ${code}`);
        if (result.status !== 503) {
          if (result.status < 300) stats.acknowledged += 1;
          else if (result.status < 500) bump(stats.refusals, code);
          return { result: { ...result, server: target.url }, uncertain, lastFailure };
        }
        // A 503 may come after the change was made (a commit whose answer failed).
        uncertain = true;
        lastFailure = `${result.status} ${code}`;
      }
      if (!this.running && attempt > 0) break;
      await new Promise((resolve) => setTimeout(resolve, retryPauseMs));
    }
    stats.unanswered += 1;
    return { result: undefined, uncertain, lastFailure };
  }
}

interface Sent {
  result: (CallResult & { answered: true; server: string }) | undefined;
  uncertain: boolean;
  lastFailure: string;
}

function pick<T>(values: T[]): T {
  return values[Math.floor(Math.random() * values.length)]!;
}
