-- Up Migration

-- The audit log is also the feed of every change (WatchEvents, the SSE
-- stream, webhooks), read by position (docs/architecture.md, The event feed).
-- An event's position is (xid, id): the transaction that wrote it, then its
-- row id. Readers publish only events whose transaction is older than the
-- oldest transaction still in progress (pg_snapshot_xmin), so that an event
-- committed late can never land behind a position a reader has already
-- passed, which ordering by id alone allows: ids are drawn before commit, in
-- an order that commits do not follow.
--
-- Rows written before this migration read xid 0: their transactions are long
-- over, and they stay in id order before every later event. A constant
-- default adds the column without rewriting the table; the default for new
-- rows is then the writing transaction's own id.
ALTER TABLE event_logs ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE event_logs ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX event_logs_by_position ON event_logs (xid, id);

-- Down Migration

DROP INDEX event_logs_by_position;
ALTER TABLE event_logs DROP COLUMN xid;
