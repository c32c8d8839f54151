import type { IdempotencyLease, StoredAnswer } from "../../../core/model/idempotency.js";
import type { Queryable } from "../pool.js";

const text = `
UPDATE idempotency_keys
   SET response = $4::jsonb, lease_token = NULL, lease_expires_at = NULL
 WHERE scope = $1 AND key = $2 AND lease_token = $3`;

/** Stores the answer while this lease still holds the key; false when it was taken over. */
export async function answerIdempotencyKey(db: Queryable, lease: IdempotencyLease, answer: StoredAnswer): Promise<boolean> {
  const result = await db.query({
    name: "answer_idempotency_key",
    text,
    values: [lease.scope, lease.key, lease.token, JSON.stringify(answer)],
  });
  return result.rowCount === 1;
}
