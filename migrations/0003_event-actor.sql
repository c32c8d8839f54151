-- Up Migration

-- Every audit event records who caused it (SPEC.md, Security): the caller's
-- subject and role as authentication established them, or system/system for
-- an expiry, which no caller asks for. Both columns are NOT NULL with no
-- default, so a statement that writes an event without saying who made the
-- change fails instead of recording nobody.
--
-- Rows written before this migration never recorded a caller. They are
-- backfilled with role 'system', meaning "written by sched itself, with no
-- identified caller", rather than with a caller role that nobody verified;
-- their subject 'unknown-before-0003' says why it is unknown. Expiries are
-- the exception: they were always the system's doing, so they read
-- system/system like every expiry written from now on.
--
-- ADD COLUMN with a constant default only records the default in the
-- catalogue (no table rewrite); the defaults are dropped again at once.
ALTER TABLE event_logs
  ADD COLUMN actor_subject text NOT NULL DEFAULT 'unknown-before-0003'
    CONSTRAINT event_logs_actor_subject_present CHECK (btrim(actor_subject) <> ''),
  ADD COLUMN actor_role text NOT NULL DEFAULT 'system'
    CONSTRAINT event_logs_actor_role_known CHECK (actor_role IN ('patient', 'staff', 'service', 'system'));

UPDATE event_logs SET actor_subject = 'system' WHERE event_type = 'APPOINTMENT_EXPIRED';

ALTER TABLE event_logs
  ALTER COLUMN actor_subject DROP DEFAULT,
  ALTER COLUMN actor_role DROP DEFAULT;

-- Down Migration

ALTER TABLE event_logs
  DROP COLUMN actor_role,
  DROP COLUMN actor_subject;
