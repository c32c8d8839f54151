-- Up Migration

-- What a booking's insert costs PostgreSQL, with every guard as it was
-- (docs/architecture.md, How a booking works).
--
-- The index of one place per patient per slot names the patient by the text
-- of its id. The index covers only current places, so when its statistics
-- were taken while no appointment was current (a quiet night, a restored
-- dump, a bulk load of history) the planner believes it empty whatever it
-- holds by then, and a count of one patient's holds (the booking statement's
-- and guard_patient_hold_cap's) walked the whole index by its second column
-- instead of reading appointments_pending_by_patient: measured over a million
-- stored appointments, 448 buffers per booking against 81. No query names a
-- patient's id as text, so only a search by slot, or by slot and patient, can
-- use it; it refuses exactly what the index of 0008 refused, under the same
-- name. Building it reads the table once, with writes to appointments
-- waiting meanwhile.
DROP INDEX appointments_one_active_per_patient_and_slot;
CREATE UNIQUE INDEX appointments_one_active_per_patient_and_slot
  ON appointments (slot_id, (patient_id::text))
  WHERE status NOT IN ('cancelled', 'expired');

-- The legal-insert guard runs only for an insert it refuses: every hold and
-- booking paid for a PL/pgSQL call that let it through.
DROP TRIGGER appointments_1_legal_insert ON appointments;
CREATE TRIGGER appointments_1_legal_insert
  BEFORE INSERT ON appointments
  FOR EACH ROW
  WHEN (NEW.status NOT IN ('pending', 'confirmed'))
  EXECUTE FUNCTION guard_appointment_transition();

-- The patient-hold guard runs only when a cap was handed over for the
-- transaction (MAX_ACTIVE_HOLDS_PER_PATIENT, see 0006), as before: the
-- function itself still treats a cap of 0 or less as none.
DROP TRIGGER appointments_3_patient_hold_cap ON appointments;
CREATE TRIGGER appointments_3_patient_hold_cap
  BEFORE INSERT ON appointments
  FOR EACH ROW
  WHEN (NEW.status = 'pending'
        AND COALESCE(current_setting('sched.max_active_holds_per_patient', true), '') NOT IN ('', '0'))
  EXECUTE FUNCTION guard_patient_hold_cap();

-- The capacity guard of 0011, which leaves the occupancy it met for the
-- statement's event only when an overbooking is possible (a limit above 0):
-- only an overbooked place's event reads it, and setting it cost every
-- booking a configuration change to undo at commit.
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
  IF new_place AND overbook_limit > 0 THEN
    NEW.overbooked := ordinary >= slot_capacity;
  END IF;
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
  IF overbook_limit > 0 THEN
    PERFORM set_config('sched.occupants_met', (ordinary + overbooked)::text, true);
  END IF;
  RETURN NEW;
END;
$$;

-- Down Migration

-- The guards of 0011 and the index of 0008.
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
    RETURN NEW;
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
  IF new_place AND overbook_limit > 0 THEN
    NEW.overbooked := ordinary >= slot_capacity;
  END IF;
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
  PERFORM set_config('sched.occupants_met', (ordinary + overbooked)::text, true);
  RETURN NEW;
END;
$$;
DROP TRIGGER appointments_3_patient_hold_cap ON appointments;
CREATE TRIGGER appointments_3_patient_hold_cap
  BEFORE INSERT ON appointments
  FOR EACH ROW
  WHEN (NEW.status = 'pending')
  EXECUTE FUNCTION guard_patient_hold_cap();
DROP TRIGGER appointments_1_legal_insert ON appointments;
CREATE TRIGGER appointments_1_legal_insert
  BEFORE INSERT ON appointments
  FOR EACH ROW
  EXECUTE FUNCTION guard_appointment_transition();
DROP INDEX appointments_one_active_per_patient_and_slot;
CREATE UNIQUE INDEX appointments_one_active_per_patient_and_slot
  ON appointments (slot_id, patient_id)
  WHERE status NOT IN ('cancelled', 'expired');
