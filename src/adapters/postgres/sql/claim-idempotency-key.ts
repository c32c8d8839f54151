import type { IdempotencyClaim } from "../../../core/ports/appointment-store.js";
import type { Queryable } from "../pool.js";
import { parseStoredAnswer } from "../rows/stored-answer.js";

/*
 * Claims the key, or reports who has it. A key can be taken over when its
 * retention has passed, or when its claim was abandoned (lease passed with no
 * answer) by a request that was the same. The second branch reads the row the
 * insert ran into; when that row was committed after this statement's
 * snapshot it is not visible, which only happens to a claim made at this very
 * moment, so "in progress" is the true answer.
 */
const text = `
WITH claimed AS (
  INSERT INTO idempotency_keys AS k (scope, key, request_hash, lease_token, lease_expires_at, expires_at)
  VALUES ($1, $2, $3, $4, now() + $5::int * interval '1 millisecond', now() + $6::int * interval '1 millisecond')
  ON CONFLICT (scope, key) DO UPDATE
     SET request_hash = EXCLUDED.request_hash,
         lease_token = EXCLUDED.lease_token,
         lease_expires_at = EXCLUDED.lease_expires_at,
         expires_at = EXCLUDED.expires_at,
         response = NULL,
         created_at = now()
   WHERE k.expires_at <= now()
      OR (k.response IS NULL AND k.lease_expires_at <= now() AND k.request_hash = EXCLUDED.request_hash)
  RETURNING true AS claimed
)
SELECT true AS claimed, NULL AS request_hash, NULL::jsonb AS response FROM claimed
UNION ALL
SELECT false, request_hash, response FROM idempotency_keys
 WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`;

interface ClaimRow {
  claimed: boolean;
  request_hash: string | null;
  response: unknown;
}

export async function claimIdempotencyKey(
  db: Queryable,
  request: { scope: string; key: string; requestHash: string; token: string; leaseMs: number; retentionMs: number },
): Promise<IdempotencyClaim> {
  const { rows } = await db.query<ClaimRow>({
    name: "claim_idempotency_key",
    text,
    values: [request.scope, request.key, request.requestHash, request.token, request.leaseMs, request.retentionMs],
  });
  const row = rows[0];
  if (row?.claimed) return { state: "claimed", lease: { scope: request.scope, key: request.key, token: request.token } };
  if (row === undefined) return { state: "in_progress" };
  if (row.request_hash !== request.requestHash) return { state: "mismatch" };
  if (row.response === null) return { state: "in_progress" };
  return { state: "answered", answer: parseStoredAnswer(row.response) };
}
