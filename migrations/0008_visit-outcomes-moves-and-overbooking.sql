-- Up Migration

-- What happened at the visit (arrived, fulfilled, noshow), moving an
-- appointment to another slot, and deliberate overbooking by staff, with the
-- guards of 0001 taught all three (docs/architecture.md, What the database
-- enforces by itself).
--
-- Every migration of a run shares one transaction, and PostgreSQL refuses to
-- use an enum value in the transaction that added it. So nothing below names
-- a new status as a constant outside a function body (which is only read when
-- it runs): what occupies a slot is written as "neither cancelled nor
-- expired", which also keeps a status added later occupying by default.

ALTER TYPE appointment_status ADD VALUE 'arrived';
ALTER TYPE appointment_status ADD VALUE 'fulfilled';
ALTER TYPE appointment_status ADD VALUE 'noshow';
ALTER TYPE appointment_event_type ADD VALUE 'APPOINTMENT_CHECKED_IN';
ALTER TYPE appointment_event_type ADD VALUE 'APPOINTMENT_COMPLETED';
ALTER TYPE appointment_event_type ADD VALUE 'APPOINTMENT_NO_SHOW';
ALTER TYPE appointment_event_type ADD VALUE 'APPOINTMENT_RESCHEDULED';

-- The marker of a place taken beyond capacity on purpose. Such places are
-- counted apart from the slot's capacity, so the capacity guard below still
-- refuses every occupant beyond capacity that does not carry the marker.
ALTER TABLE appointments ADD COLUMN overbooked boolean NOT NULL DEFAULT false;

-- An appointment keeps its place after the visit (arrived, fulfilled,
-- noshow): it is history, not a free place, and the patient cannot book the
-- same slot a second time beside it.
DROP INDEX appointments_one_active_per_patient_and_slot;
CREATE UNIQUE INDEX appointments_one_active_per_patient_and_slot
  ON appointments (slot_id, patient_id)
  WHERE status NOT IN ('cancelled', 'expired');

-- Legal transitions, those of 0001 and the visit's: a confirmed appointment
-- is checked in (arrived) and then completed (fulfilled), or marked a no-show
-- once its slot has started.
CREATE OR REPLACE FUNCTION guard_appointment_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IN ('pending', 'confirmed') THEN
      RETURN NEW;
    END IF;
  ELSIF (OLD.status = 'pending' AND NEW.status = 'confirmed' AND OLD.expires_at > now())
     OR (OLD.status = 'pending' AND NEW.status = 'expired' AND OLD.expires_at <= now())
     OR (OLD.status IN ('pending', 'confirmed') AND NEW.status = 'cancelled')
     OR (OLD.status = 'confirmed' AND NEW.status = 'arrived')
     OR (OLD.status = 'arrived' AND NEW.status = 'fulfilled')
     OR (OLD.status = 'confirmed' AND NEW.status = 'noshow'
         AND (SELECT s.start_time <= now() FROM appointment_slots s WHERE s.id = NEW.slot_id)) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'appointment % cannot go from % to %', NEW.id, COALESCE(OLD.status::text, 'nothing'), NEW.status
    USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_legal_transition';
END;
$$;

-- Only a live hold or a confirmed appointment moves to another slot, and it
-- keeps its status while it moves: a visit that happened, a cancelled or an
-- expired appointment stays where its history is.
CREATE FUNCTION guard_appointment_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = OLD.status
     AND (OLD.status = 'confirmed' OR (OLD.status = 'pending' AND OLD.expires_at > now())) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'appointment % cannot move to another slot while %', NEW.id, OLD.status
    USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_legal_move';
END;
$$;

CREATE TRIGGER appointments_1_legal_move
  BEFORE UPDATE OF slot_id ON appointments
  FOR EACH ROW
  WHEN (OLD.slot_id IS DISTINCT FROM NEW.slot_id)
  EXECUTE FUNCTION guard_appointment_move();

-- The capacity guard of 0001, with overbooking. Ordinary occupants never
-- exceed the capacity; occupants marked overbooked are counted apart, and a
-- new overbooked place is admitted only below the limit that the booking
-- statement hands over for its transaction (sched.overbook_limit, from
-- OVERBOOK_LIMIT): unset, no write can take an overbooked place, so a script
-- cannot overbook by setting the column alone. So a slot never holds more
-- than its capacity plus its recorded overbookings.
--
-- A write takes a place when it inserts, moves to another slot, turns a hold
-- into a booking (recounted, as in 0001, to close the race between a
-- confirmation that began before the hold lapsed and a booking after it), or
-- changes the marker. A check-in, a completion or a no-show keeps the place
-- the appointment already had and is not recounted: an overbooked slot must
-- still record its visits.
CREATE OR REPLACE FUNCTION guard_slot_capacity() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  new_place      boolean := TG_OP = 'INSERT' OR OLD.slot_id <> NEW.slot_id;
  overbook_limit integer := NULLIF(current_setting('sched.overbook_limit', true), '')::integer;
  slot_capacity  integer;
  slot_state     slot_status;
  ordinary       integer;
  overbooked     integer;
BEGIN
  IF NOT new_place AND OLD.status <> 'pending' AND OLD.overbooked = NEW.overbooked THEN
    RETURN NEW;
  END IF;

  UPDATE appointment_slots
     SET occupancy_version = occupancy_version + 1
   WHERE id = NEW.slot_id
  RETURNING capacity, status INTO slot_capacity, slot_state;
  IF NOT FOUND THEN
    RETURN NEW; -- the foreign key reports the missing slot
  END IF;

  IF slot_state <> 'open' AND new_place THEN
    RAISE EXCEPTION 'slot % is not open for booking', NEW.slot_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_slot_open';
  END IF;

  SELECT count(*) FILTER (WHERE NOT a.overbooked), count(*) FILTER (WHERE a.overbooked)
    INTO ordinary, overbooked
    FROM appointments a
   WHERE a.slot_id = NEW.slot_id
     AND a.id <> NEW.id
     AND a.status NOT IN ('cancelled', 'expired')
     AND (a.status <> 'pending' OR a.expires_at > now());
  IF NOT NEW.overbooked THEN
    IF ordinary >= slot_capacity THEN
      RAISE EXCEPTION 'slot % is already booked to its capacity of %', NEW.slot_id, slot_capacity
        USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_slot_capacity';
    END IF;
  ELSIF new_place OR NOT OLD.overbooked THEN
    IF overbook_limit IS NULL OR overbooked >= overbook_limit THEN
      RAISE EXCEPTION 'slot % already has % overbooked places, the most allowed (%)', NEW.slot_id, overbooked, COALESCE(overbook_limit, 0)
        USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_overbook_limit';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER appointments_2_slot_capacity ON appointments;
CREATE TRIGGER appointments_2_slot_capacity
  BEFORE INSERT OR UPDATE OF status, slot_id, expires_at, overbooked ON appointments
  FOR EACH ROW
  WHEN (NEW.status NOT IN ('cancelled', 'expired'))
  EXECUTE FUNCTION guard_slot_capacity();

-- Lowering a capacity below the slot's ordinary occupants, visits included,
-- would overbook it without the marker.
CREATE OR REPLACE FUNCTION guard_capacity_reduction() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  occupants integer;
BEGIN
  SELECT count(*) INTO occupants
    FROM appointments a
   WHERE a.slot_id = NEW.id
     AND NOT a.overbooked
     AND a.status NOT IN ('cancelled', 'expired')
     AND (a.status <> 'pending' OR a.expires_at > now());
  IF occupants > NEW.capacity THEN
    RAISE EXCEPTION 'slot % has % active appointments, more than a capacity of %', NEW.id, occupants, NEW.capacity
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointment_slots_capacity_covers_occupants';
  END IF;
  RETURN NEW;
END;
$$;

-- A slot whose appointments are history (arrived, fulfilled, noshow) holds
-- them as surely as bookings: deleting it would lose where a visit was.
CREATE OR REPLACE FUNCTION guard_slot_deletion() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM appointments
     WHERE slot_id = NEW.id
       AND status NOT IN ('cancelled', 'expired')
       AND (status <> 'pending' OR expires_at > now())
  ) THEN
    RAISE EXCEPTION 'slot % holds active appointments and cannot be deleted', NEW.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointment_slots_deleted_while_occupied';
  END IF;
  RETURN NEW;
END;
$$;

-- Down Migration

-- PostgreSQL cannot drop an enum value: the new statuses and event types stay,
-- unused. The guards go back to those of 0001 and 0007.
CREATE OR REPLACE FUNCTION guard_slot_deletion() RETURNS trigger
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
DROP TRIGGER appointments_1_legal_move ON appointments;
DROP FUNCTION guard_appointment_move();
DROP TRIGGER appointments_2_slot_capacity ON appointments;
CREATE OR REPLACE FUNCTION guard_slot_capacity() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  slot_capacity integer;
  slot_state    slot_status;
  occupants     integer;
BEGIN
  UPDATE appointment_slots
     SET occupancy_version = occupancy_version + 1
   WHERE id = NEW.slot_id
  RETURNING capacity, status INTO slot_capacity, slot_state;
  IF NOT FOUND THEN
    RETURN NEW;
  END IF;
  IF slot_state <> 'open' AND (TG_OP = 'INSERT' OR OLD.slot_id <> NEW.slot_id) THEN
    RAISE EXCEPTION 'slot % is not open for booking', NEW.slot_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_slot_open';
  END IF;
  SELECT count(*) INTO occupants
    FROM appointments
   WHERE slot_id = NEW.slot_id
     AND id <> NEW.id
     AND status IN ('pending', 'confirmed')
     AND (status = 'confirmed' OR expires_at > now());
  IF occupants >= slot_capacity THEN
    RAISE EXCEPTION 'slot % is already booked to its capacity of %', NEW.slot_id, slot_capacity
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_slot_capacity';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER appointments_2_slot_capacity
  BEFORE INSERT OR UPDATE OF status, slot_id, expires_at ON appointments
  FOR EACH ROW
  WHEN (NEW.status IN ('pending', 'confirmed'))
  EXECUTE FUNCTION guard_slot_capacity();
CREATE OR REPLACE FUNCTION guard_capacity_reduction() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  occupants integer;
BEGIN
  SELECT count(*) INTO occupants
    FROM appointments
   WHERE slot_id = NEW.id
     AND status IN ('pending', 'confirmed')
     AND (status = 'confirmed' OR expires_at > now());
  IF occupants > NEW.capacity THEN
    RAISE EXCEPTION 'slot % has % active appointments, more than a capacity of %', NEW.id, occupants, NEW.capacity
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointment_slots_capacity_covers_occupants';
  END IF;
  RETURN NEW;
END;
$$;
CREATE OR REPLACE FUNCTION guard_appointment_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IN ('pending', 'confirmed') THEN
      RETURN NEW;
    END IF;
  ELSIF (OLD.status = 'pending' AND NEW.status = 'confirmed' AND OLD.expires_at > now())
     OR (OLD.status = 'pending' AND NEW.status = 'expired' AND OLD.expires_at <= now())
     OR (OLD.status IN ('pending', 'confirmed') AND NEW.status = 'cancelled') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'appointment % cannot go from % to %', NEW.id, COALESCE(OLD.status::text, 'nothing'), NEW.status
    USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_legal_transition';
END;
$$;
DROP INDEX appointments_one_active_per_patient_and_slot;
CREATE UNIQUE INDEX appointments_one_active_per_patient_and_slot
  ON appointments (slot_id, patient_id)
  WHERE status IN ('pending', 'confirmed');
ALTER TABLE appointments DROP COLUMN overbooked;
