import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { IdempotencyLease, StoredAnswer } from "../../core/model/idempotency.js";
import type { IdempotencyClaim, IdempotencyStore } from "../../core/ports/appointment-store.js";
import { answerIdempotencyKey } from "./sql/answer-idempotency-key.js";
import { claimIdempotencyKey } from "./sql/claim-idempotency-key.js";
import { releaseIdempotencyKey } from "./sql/release-idempotency-key.js";
import { translated } from "./translate-error.js";

export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(private readonly pool: pg.Pool) {}

  claim(request: { scope: string; key: string; requestHash: string; leaseMs: number; retentionMs: number }): Promise<IdempotencyClaim> {
    return translated(() => claimIdempotencyKey(this.pool, { ...request, token: randomUUID() }));
  }

  async answer(lease: IdempotencyLease, answer: StoredAnswer): Promise<void> {
    await translated(() => answerIdempotencyKey(this.pool, lease, answer));
  }

  release(lease: IdempotencyLease): Promise<void> {
    return translated(() => releaseIdempotencyKey(this.pool, lease));
  }
}
