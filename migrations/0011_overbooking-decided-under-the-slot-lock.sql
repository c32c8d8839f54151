-- Up Migration

-- A staff booking or move with an overbooking reason takes whichever place is
-- free when it holds the slot's row lock, not the one its statement's
-- snapshot saw. The booking and move statements count a slot's occupants in
-- their snapshot, taken before the capacity guard locks the slot; an ordinary
-- booking that committed in between used to make the guard refuse the
-- overbooking as a full slot (slot_already_booked) although the limit left
-- it room. Now the guard, which recounts under the lock with a fresh
-- snapshot, decides the marker itself for a new place written with a limit
-- above 0 (sched.overbook_limit, which the statements set only for a request
-- with a reason): overbooked exactly when the ordinary places are all taken,
-- so a place freed meanwhile is taken as an ordinary one. Everything else is
-- as in 0008. It also leaves the occupancy it met in sched.occupants_met for
-- the statement's event, which records the occupancy the overbooking met.
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
  PERFORM set_config('sched.occupants_met', (ordinary + overbooked)::text, true);
  RETURN NEW;
END;
$$;

-- Down Migration

-- The guard of 0008.
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
