-- Up Migration

-- Schedules: a clinician's weekly working hours in one IANA time zone, which
-- make ordinary slots (docs/api.md, ScheduleService). The rules and the
-- exceptions are kept as JSON on the schedule's row: a schedule is read and
-- replaced whole (every change regenerates from the whole definition), and
-- the service checks their shape before any is stored. The JSON checks below
-- only keep a script from storing something that is not a list.
CREATE TABLE schedules (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinician_id    uuid NOT NULL REFERENCES clinicians (id),
  time_zone       text NOT NULL CONSTRAINT schedules_time_zone_present CHECK (btrim(time_zone) <> ''),
  effective_from  date NOT NULL,
  effective_until date,
  rules           jsonb NOT NULL CONSTRAINT schedules_rules_list CHECK (jsonb_typeof(rules) = 'array' AND jsonb_array_length(rules) > 0),
  exceptions      jsonb NOT NULL DEFAULT '[]' CONSTRAINT schedules_exceptions_list CHECK (jsonb_typeof(exceptions) = 'array'),
  -- Slots starting before this instant have been made; the extension worker
  -- moves it forward as days pass.
  generated_until timestamptz NOT NULL,
  -- Every change is applied to the version it was computed from, so two
  -- changes made at once cannot regenerate from a stale definition.
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT schedules_effective_range CHECK (effective_until IS NULL OR effective_until >= effective_from),
  -- The target of the slots' foreign key below.
  CONSTRAINT schedules_id_clinician UNIQUE (id, clinician_id)
);
CREATE INDEX schedules_by_clinician ON schedules (clinician_id, created_at);
-- The extension worker looks for the schedules whose slots end soonest.
CREATE INDEX schedules_by_generated_until ON schedules (generated_until);

-- A generated slot is an ordinary slot that knows its schedule. The foreign
-- key names the clinician too, so a schedule's slots are always its
-- clinician's: the non-overlap guard of a clinician's slots covers them like
-- any other. Adding nullable columns without a default rewrites nothing.
ALTER TABLE appointment_slots
  ADD COLUMN schedule_id uuid,
  -- Set while the slot holds appointments but its schedule no longer has it.
  ADD COLUMN outside_schedule_since timestamptz,
  ADD CONSTRAINT appointment_slots_schedule_fkey FOREIGN KEY (schedule_id, clinician_id) REFERENCES schedules (id, clinician_id);
CREATE INDEX appointment_slots_by_schedule ON appointment_slots (schedule_id, start_time) WHERE schedule_id IS NOT NULL;

-- The availability search walks open slots in start order and stops at the
-- page's end, whatever the number of slots behind it.
CREATE INDEX appointment_slots_open_by_start ON appointment_slots (start_time, clinician_id) WHERE status = 'open';

-- A deleted slot leaves the calendar and gives its time back; one that holds
-- an appointment (a confirmed one, or a hold that has not lapsed) must stay,
-- whatever deletes it: regeneration never does, and a script cannot either.
CREATE FUNCTION guard_slot_deletion() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM appointments
     WHERE slot_id = NEW.id
       AND status IN ('pending', 'confirmed')
       AND (status = 'confirmed' OR expires_at > now())
  ) THEN
    RAISE EXCEPTION 'slot % holds active appointments and cannot be deleted', NEW.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointment_slots_deleted_while_occupied';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER appointment_slots_guard_deletion
  BEFORE UPDATE OF status ON appointment_slots
  FOR EACH ROW
  WHEN (NEW.status = 'deleted' AND OLD.status <> 'deleted')
  EXECUTE FUNCTION guard_slot_deletion();

-- What happened to a schedule that staff must hear of: a slot holding
-- appointments that a change of the schedule no longer has
-- (SLOT_OUTSIDE_SCHEDULE), with who made the change.
CREATE TABLE schedule_events (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  schedule_id   uuid NOT NULL REFERENCES schedules (id),
  slot_id       uuid REFERENCES appointment_slots (id),
  event_type    text NOT NULL CONSTRAINT schedule_events_type_known CHECK (event_type IN ('SLOT_OUTSIDE_SCHEDULE')),
  payload       jsonb NOT NULL DEFAULT '{}',
  actor_subject text NOT NULL CONSTRAINT schedule_events_actor_subject_present CHECK (btrim(actor_subject) <> ''),
  actor_role    text NOT NULL CONSTRAINT schedule_events_actor_role_known CHECK (actor_role IN ('patient', 'staff', 'service', 'anonymous', 'system')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedule_events_by_schedule ON schedule_events (schedule_id, id);

-- Down Migration

DROP TABLE schedule_events;
DROP TRIGGER appointment_slots_guard_deletion ON appointment_slots;
DROP FUNCTION guard_slot_deletion();
DROP INDEX appointment_slots_open_by_start;
DROP INDEX appointment_slots_by_schedule;
ALTER TABLE appointment_slots
  DROP CONSTRAINT appointment_slots_schedule_fkey,
  DROP COLUMN outside_schedule_since,
  DROP COLUMN schedule_id;
DROP TABLE schedules;
