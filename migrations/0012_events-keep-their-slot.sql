-- Up Migration

-- Each event records the slot its appointment was in when the event was
-- written, so that the feed's slot and clinician filters match what happened
-- rather than where the appointment is when a reader reaches the event. A
-- stream that reads an appointment's creation only after the appointment
-- has moved must still hand that creation to the watchers of the slot it was
-- made in (docs/architecture.md, The event feed).
--
-- The statements that write events do not name the slot: the trigger takes
-- it from the event's own payload (a creation's slot_id, a move's
-- to_slot_id), which also covers a creation written in the same statement as
-- its appointment, or else from the appointment's row as the writing
-- statement found it. NOT NULL makes a write that can tell neither fail
-- loudly instead of leaving an event no slot filter can find.
--
-- No foreign key: the column is history, and a slot an appointment has moved
-- away from may be deleted (a schedule's regeneration does) while the events
-- that happened in it stay.
ALTER TABLE event_logs ADD COLUMN slot_id uuid;

-- Past events: the slot after the latest move before the event, else the slot
-- the first move after it left, else the appointment's slot.
UPDATE event_logs e
   SET slot_id = COALESCE(
         (e.payload->>'to_slot_id')::uuid,
         (e.payload->>'slot_id')::uuid,
         (SELECT (m.payload->>'to_slot_id')::uuid FROM event_logs m
           WHERE m.appointment_id = e.appointment_id AND m.event_type::text = 'APPOINTMENT_RESCHEDULED' AND m.id < e.id
           ORDER BY m.id DESC LIMIT 1),
         (SELECT (m.payload->>'from_slot_id')::uuid FROM event_logs m
           WHERE m.appointment_id = e.appointment_id AND m.event_type::text = 'APPOINTMENT_RESCHEDULED' AND m.id > e.id
           ORDER BY m.id LIMIT 1),
         (SELECT a.slot_id FROM appointments a WHERE a.id = e.appointment_id));
ALTER TABLE event_logs ALTER COLUMN slot_id SET NOT NULL;

CREATE FUNCTION event_slot_at_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.slot_id := COALESCE(
    (NEW.payload->>'to_slot_id')::uuid,
    (NEW.payload->>'slot_id')::uuid,
    (SELECT a.slot_id FROM appointments a WHERE a.id = NEW.appointment_id));
  RETURN NEW;
END;
$$;

CREATE TRIGGER event_logs_slot_at_write
  BEFORE INSERT ON event_logs
  FOR EACH ROW
  WHEN (NEW.slot_id IS NULL)
  EXECUTE FUNCTION event_slot_at_write();

-- Down Migration

DROP TRIGGER event_logs_slot_at_write ON event_logs;
DROP FUNCTION event_slot_at_write();
ALTER TABLE event_logs DROP COLUMN slot_id;
