import type { IdempotencyLease } from "../../../core/model/idempotency.js";
import type { Queryable } from "../pool.js";

const text = `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND lease_token = $3`;

export async function releaseIdempotencyKey(db: Queryable, lease: IdempotencyLease): Promise<void> {
  await db.query({ name: "release_idempotency_key", text, values: [lease.scope, lease.key, lease.token] });
}
