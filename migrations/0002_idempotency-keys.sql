-- Up Migration

-- Idempotency-Key support for creates (docs/api.md, Conventions). A key is claimed
-- before the request runs (lease_token set, response null) so that a retry
-- arriving meanwhile is told idempotency_key_in_use instead of booking twice;
-- the answer is stored in the same transaction as the booking it describes.
-- A claim whose holder died is taken over once its lease has passed; a
-- finished key is kept until expires_at (24 hours), then may be reused.
CREATE TABLE idempotency_keys (
  -- The caller the key belongs to; empty until authentication exists.
  scope            text NOT NULL,
  key              text NOT NULL CONSTRAINT idempotency_keys_key_length CHECK (length(key) BETWEEN 1 AND 255),
  request_hash     text NOT NULL,
  lease_token      uuid,
  lease_expires_at timestamptz,
  response         jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  PRIMARY KEY (scope, key),
  CONSTRAINT idempotency_keys_leased_or_answered CHECK ((lease_token IS NULL) <> (response IS NULL))
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

-- Down Migration

DROP TABLE idempotency_keys;
