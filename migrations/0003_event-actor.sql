-- Up Migration

-- Every audit event records who caused it (docs/security.md, The audit log): the caller's
-- subject and role as authentication established them, anonymous/anonymous
-- on a server without authentication, or system/system for an expiry, which
-- no caller asks for. Both columns are NOT NULL.
--
-- Rows written before this migration never recorded a caller. They are
-- backfilled with role 'system', meaning "written by sched itself, with no
-- identified caller", rather than with a caller role that nobody verified;
-- their subject 'unknown-before-0003' says why it is unknown. Expiries are
-- the exception: they were always the system's doing, so they read
-- system/system like every expiry written from now on.
--
-- The defaults stay, on purpose: during a rolling deploy, servers of the
-- previous release keep running against this schema and write events
-- without an actor; with the defaults those events are recorded (as
-- system/unknown-before-0003, like the backfill) instead of failing every
-- booking until the last old server is gone. The current code always writes
-- the actor explicitly (test/audit-actor.test.ts proves that no event it
-- writes carries the default). ADD COLUMN with a constant default only
-- records the default in the catalogue: no table rewrite.
ALTER TABLE event_logs
  ADD COLUMN actor_subject text NOT NULL DEFAULT 'unknown-before-0003'
    CONSTRAINT event_logs_actor_subject_present CHECK (btrim(actor_subject) <> ''),
  ADD COLUMN actor_role text NOT NULL DEFAULT 'system'
    CONSTRAINT event_logs_actor_role_known CHECK (actor_role IN ('patient', 'staff', 'service', 'anonymous', 'system'));

UPDATE event_logs SET actor_subject = 'system' WHERE event_type = 'APPOINTMENT_EXPIRED';

-- Down Migration

ALTER TABLE event_logs
  DROP COLUMN actor_role,
  DROP COLUMN actor_subject;
