import { createHash } from "node:crypto";
import { isApiErrorCode, SchedError, type ErrorCode } from "../errors.js";
import type { Appointment } from "../model/appointment.js";
import type { IdempotencyLease } from "../model/idempotency.js";
import type { IdempotencyStore } from "../ports/appointment-store.js";
import type { Logger } from "../ports/logger.js";
import { requirePlainText } from "../text.js";

/** How long a claim may go unanswered before a retry may take it over (its holder is presumed dead). */
const leaseMs = 30_000;
/** How long an answer is replayed: at least a day, as docs/api.md promises. */
const retentionMs = 24 * 60 * 60 * 1000;
const maxKeyLength = 255;

// Failures that say nothing final about the request: storing them would make
// every retry replay a failure that a retry is meant to get past. Like Stripe,
// such requests leave no answer behind.
const retryableCodes = new Set<ErrorCode>(["slot_being_booked", "unavailable", "internal_error", "idempotency_key_in_use"]);

export interface IdempotentRequest {
  scope: string;
  key: string;
  /** What makes two requests the same: a create's slot and patient, a move's appointment and slot, and an overbooking's reason. */
  request: string[];
  onReplay?: (() => void) | undefined;
}

/**
 * Idempotency-Key semantics for creates and moves (docs/api.md, Conventions; after the IETF
 * draft): the same key and request replay the first answer, a different
 * request under the key is idempotency_key_reused, and a retry while the
 * first is still running is idempotency_key_in_use.
 */
export class IdempotentCreates {
  constructor(
    private readonly store: IdempotencyStore,
    private readonly logger: Logger,
  ) {}

  async run(request: IdempotentRequest, create: (lease: IdempotencyLease) => Promise<Appointment>): Promise<Appointment> {
    if (request.key.length > maxKeyLength) {
      throw new SchedError("invalid_argument", `an idempotency key is at most ${maxKeyLength} characters`);
    }
    requirePlainText(request.key, "Idempotency-Key");
    const claim = await this.store.claim({
      scope: request.scope,
      key: request.key,
      requestHash: fingerprint(request.request),
      leaseMs,
      retentionMs,
    });
    switch (claim.state) {
      case "answered":
        request.onReplay?.();
        if ("appointment" in claim.answer) return claim.answer.appointment;
        throw new SchedError(claim.answer.error.code, claim.answer.error.message);
      case "mismatch":
        throw new SchedError("idempotency_key_reused", "this idempotency key was used with a different request");
      case "in_progress":
        throw new SchedError("idempotency_key_in_use", "a request with this idempotency key is still running, retry later");
      case "claimed":
        return this.answered(claim.lease, create);
    }
  }

  private async answered(lease: IdempotencyLease, create: (lease: IdempotencyLease) => Promise<Appointment>) {
    try {
      return await create(lease);
    } catch (error) {
      await this.settle(lease, error);
      throw error;
    }
  }

  private async settle(lease: IdempotencyLease, error: unknown): Promise<void> {
    const final = error instanceof SchedError && isApiErrorCode(error.code) && !retryableCodes.has(error.code);
    try {
      if (final) {
        await this.store.answer(lease, { error: { code: error.code, message: error.message } });
      } else {
        await this.store.release(lease);
      }
    } catch (settleError) {
      // The key stays claimed until its lease passes; the caller still gets the real failure.
      this.logger.warn({ err: settleError, key: lease.key }, "could not record the idempotent answer");
    }
  }
}

// A create without an overbooking hashes "slot\npatient", as before anything
// else could be retried, so that keys stored by earlier releases still match.
function fingerprint(request: string[]): string {
  return createHash("sha256").update(request.join("\n")).digest("hex");
}
