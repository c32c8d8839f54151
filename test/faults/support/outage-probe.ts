import { randomUUID } from "node:crypto";
import { bookedId, historyAnswer } from "./history-answer.js";
import type { Ledger } from "./ledger.js";
import { RestTarget } from "./rest-call.js";

export interface ProbeSummary {
  calls: number;
  /** Answers by "status code", e.g. "201 ok", "503 unavailable". */
  answers: Record<string, number>;
  /** Attempts that got no answer within the probe's own limit, by error. */
  unanswered: Record<string, number>;
  /** The slowest answer that was a failure (5xx), in ms; 0 when none failed. */
  slowestFailureMs: number;
  /** The slowest answer of any kind, in ms. */
  slowestMs: number;
}

/**
 * Books straight at each server, one call at a time per server and with no
 * retry, to measure what a client sees during an outage: which answers, and
 * how long the slowest failure took. The load driver retries a 503 on the
 * next server, which hides both.
 */
export class OutageProbe {
  private readonly targets: RestTarget[];
  private readonly summary: ProbeSummary = { calls: 0, answers: {}, unanswered: {}, slowestFailureMs: 0, slowestMs: 0 };
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    urls: string[],
    private readonly ids: { slotIds: string[]; patientIds: string[] },
    /** Where the probe's acknowledged bookings go, to be checked with the load's. */
    private readonly ledger: Ledger,
    /** Far above any bound the test asserts, so that a hang shows as a long time rather than a cut. */
    private readonly limitMs = 30_000,
  ) {
    this.targets = urls.map((url) => new RestTarget(url, 1));
  }

  start(): void {
    this.running = true;
    this.loops = this.targets.map((target) => this.probe(target));
  }

  async stop(): Promise<ProbeSummary> {
    this.running = false;
    await Promise.all(this.loops);
    for (const target of this.targets) target.close();
    return { ...this.summary, slowestFailureMs: Math.round(this.summary.slowestFailureMs), slowestMs: Math.round(this.summary.slowestMs) };
  }

  private async probe(target: RestTarget): Promise<void> {
    while (this.running) {
      const body = { slot_id: pick(this.ids.slotIds), patient_id: pick(this.ids.patientIds) };
      const operation = this.ledger.history.begin("book", { slotId: body.slot_id, patientId: body.patient_id });
      const result = await target.call("POST", "/appointments", {
        body,
        headers: { "idempotency-key": randomUUID() },
        timeoutMs: this.limitMs,
      });
      this.summary.calls += 1;
      operation.end(historyAnswer(result, bookedId(result) !== undefined), bookedId(result));
      if (!result.answered) {
        this.summary.unanswered[result.error] = (this.summary.unanswered[result.error] ?? 0) + 1;
      } else {
        const key = `${result.status} ${typeof result.body.error === "string" ? result.body.error : "ok"}`;
        this.summary.answers[key] = (this.summary.answers[key] ?? 0) + 1;
        this.summary.slowestMs = Math.max(this.summary.slowestMs, result.ms);
        if (result.status >= 500) this.summary.slowestFailureMs = Math.max(this.summary.slowestFailureMs, result.ms);
        if (result.status === 201 && typeof result.body.id === "string") {
          const id = result.body.id;
          this.ledger.bookings.set(id, { id, slotId: body.slot_id, patientId: body.patient_id, server: target.url, at: Date.now() });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function pick<T>(values: T[]): T {
  return values[Math.floor(Math.random() * values.length)]!;
}
