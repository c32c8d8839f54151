-- Up Migration

-- The schema lets PostgreSQL itself enforce every invariant of the service
-- that a database can (docs/architecture.md): code that bypasses
-- the service (a psql session, a script, a future service) still cannot
-- overbook a slot, make an illegal transition or lose a clinician in two
-- places at once.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TYPE slot_status AS ENUM ('open', 'blocked', 'deleted');
CREATE TYPE appointment_status AS ENUM ('pending', 'confirmed', 'cancelled', 'expired');
CREATE TYPE appointment_event_type AS ENUM (
  'APPOINTMENT_CREATED',
  'APPOINTMENT_CONFIRMED',
  'APPOINTMENT_CANCELLED',
  'APPOINTMENT_EXPIRED'
);

CREATE TABLE patients (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL CONSTRAINT patients_name_present CHECK (btrim(name) <> ''),
  email      text CONSTRAINT patients_email_present CHECK (btrim(email) <> ''),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Addresses differ in case only by accident; two patients must not share one.
CREATE UNIQUE INDEX patients_email_unique ON patients (lower(email));

CREATE TABLE clinicians (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL CONSTRAINT clinicians_name_present CHECK (btrim(name) <> ''),
  specialty  text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clinicians_specialty ON clinicians (specialty, name);

CREATE TABLE appointment_slots (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  clinician_id      uuid NOT NULL REFERENCES clinicians (id),
  start_time        timestamptz NOT NULL,
  end_time          timestamptz NOT NULL,
  status            slot_status NOT NULL DEFAULT 'open',
  capacity          integer NOT NULL DEFAULT 1 CONSTRAINT appointment_slots_capacity_positive CHECK (capacity >= 1),
  -- Bumped by every change of who occupies the slot; see guard_slot_capacity.
  occupancy_version bigint NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT appointment_slots_time_range CHECK (end_time > start_time),
  -- A deleted slot gives its time back, so that the calendar can be redrawn.
  CONSTRAINT appointment_slots_no_overlap EXCLUDE USING gist (
    clinician_id WITH =,
    tstzrange(start_time, end_time) WITH &&
  ) WHERE (status <> 'deleted')
);
CREATE INDEX appointment_slots_by_start ON appointment_slots (start_time);
CREATE INDEX appointment_slots_by_clinician ON appointment_slots (clinician_id, start_time);

CREATE TABLE appointments (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slot_id    uuid NOT NULL REFERENCES appointment_slots (id),
  patient_id uuid NOT NULL REFERENCES patients (id),
  status     appointment_status NOT NULL DEFAULT 'pending',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  CONSTRAINT appointments_expiry_only_while_pending CHECK ((status = 'pending') = (expires_at IS NOT NULL))
);
-- Invariant 5. A hold that lapsed but is still marked pending keeps its entry
-- here until something marks it expired: the booking statement does that for
-- the slot it books, so a patient can hold the slot again at once.
CREATE UNIQUE INDEX appointments_one_active_per_patient_and_slot
  ON appointments (slot_id, patient_id)
  WHERE status IN ('pending', 'confirmed');
CREATE INDEX appointments_by_patient ON appointments (patient_id, created_at DESC);
CREATE INDEX appointments_pending_by_expiry ON appointments (expires_at) WHERE status = 'pending';

CREATE TABLE event_logs (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  appointment_id uuid NOT NULL REFERENCES appointments (id),
  event_type     appointment_event_type NOT NULL,
  payload        jsonb NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_logs_by_appointment ON event_logs (appointment_id, id);

-- Invariant 1, no overbooking, as a trigger rather than a counter column:
-- what occupies a slot depends on the clock (a pending hold stops counting
-- the instant expires_at passes, whether or not anything has marked it
-- expired), and no CHECK or EXCLUDE constraint can read the clock. So every
-- write that makes an appointment occupy a slot (a new hold, a confirmation,
-- a move to another slot) recounts the slot's occupants under the slot's row
-- lock and is refused when the slot is already full.
--
-- The trigger writes the slot row instead of only locking it: under READ
-- COMMITTED the second of two concurrent writers waits for the first and then
-- counts with a fresh snapshot that includes the first one's appointment;
-- under REPEATABLE READ or SERIALIZABLE, where the snapshot cannot move, the
-- update of a row that a concurrent transaction changed fails with a
-- serialization error instead of counting from a stale snapshot. now() is the
-- transaction's start, which can only make a hold look alive for longer: the
-- error is always on the side of refusing a booking.
CREATE FUNCTION guard_slot_capacity() RETURNS trigger
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
    RETURN NEW; -- the foreign key reports the missing slot
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

-- Lowering a slot's capacity below what already occupies it would overbook
-- it just as surely as one booking too many.
CREATE FUNCTION guard_capacity_reduction() RETURNS trigger
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

CREATE TRIGGER appointment_slots_guard_capacity_reduction
  BEFORE UPDATE OF capacity ON appointment_slots
  FOR EACH ROW
  WHEN (NEW.capacity < OLD.capacity)
  EXECUTE FUNCTION guard_capacity_reduction();

-- Invariant 3 (triggers fire in name order, so legality is checked before
-- appointments_2_slot_capacity takes the slot's lock): pending -> confirmed before expires_at, pending -> expired at
-- or after it, pending or confirmed -> cancelled; cancelled and expired are
-- final. New rows start as holds or as bookings (bulk loads insert confirmed
-- appointments), never in a final state.
CREATE FUNCTION guard_appointment_transition() RETURNS trigger
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

CREATE TRIGGER appointments_1_legal_insert
  BEFORE INSERT ON appointments
  FOR EACH ROW
  EXECUTE FUNCTION guard_appointment_transition();

CREATE TRIGGER appointments_1_legal_transition
  BEFORE UPDATE OF status ON appointments
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION guard_appointment_transition();

-- Down Migration

DROP TABLE event_logs;
DROP TABLE appointments;
DROP TABLE appointment_slots;
DROP TABLE clinicians;
DROP TABLE patients;
DROP FUNCTION guard_appointment_transition();
DROP FUNCTION guard_capacity_reduction();
DROP FUNCTION guard_slot_capacity();
DROP TYPE appointment_event_type;
DROP TYPE appointment_status;
DROP TYPE slot_status;
