-- Up Migration

-- Webhooks: each change of the event feed delivered to a subscriber's URL,
-- at least once, in order per appointment (docs/architecture.md, Webhooks).
-- A webhook follows the feed from its own cursor, a feed position
-- (xid, id, see 0009): the worker turns every published event after it into
-- a delivery and moves the cursor in the same statement, so that no event is
-- planned twice or skipped, whatever the worker's crashes.
CREATE TABLE webhooks (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url         text NOT NULL CONSTRAINT webhooks_url_http CHECK (url ~ '^https?://[^/?#\s]+'),
  -- Empty: every event type.
  event_types appointment_event_type[] NOT NULL DEFAULT '{}',
  -- The Standard Webhooks signing secret, whsec_ and base64; kept to sign, shown only at creation.
  secret      text NOT NULL CONSTRAINT webhooks_secret_form CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{32,}={0,2}$'),
  cursor_xid  xid8 NOT NULL,
  cursor_id   bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE webhook_delivery_status AS ENUM ('pending', 'delivered', 'dead');

CREATE TABLE webhook_deliveries (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id      uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id        bigint NOT NULL REFERENCES event_logs (id),
  -- The event's feed position, copied so that ordering needs no join.
  event_xid       xid8 NOT NULL,
  appointment_id  uuid NOT NULL,
  status          webhook_delivery_status NOT NULL DEFAULT 'pending',
  attempts        integer NOT NULL DEFAULT 0 CONSTRAINT webhook_deliveries_attempts_counted CHECK (attempts >= 0),
  -- While pending: when the next attempt may start; a claimed delivery's lease ends then too.
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_status     integer,
  last_error      text,
  delivered_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_deliveries_once_per_event UNIQUE (webhook_id, event_id),
  CONSTRAINT webhook_deliveries_delivered_when CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- "Is an earlier delivery of this appointment still pending?", asked for every claim.
CREATE INDEX webhook_deliveries_pending_in_order
  ON webhook_deliveries (webhook_id, appointment_id, event_xid, event_id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);

-- Down Migration

DROP TABLE webhook_deliveries;
DROP TYPE webhook_delivery_status;
DROP TABLE webhooks;
