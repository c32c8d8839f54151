-- Up Migration

-- A cap on the holds one patient has at once (MAX_ACTIVE_HOLDS_PER_PATIENT):
-- without it one patient token could hold every slot of a day and renew the
-- holds as they lapse. Like the slot capacity, the cap depends on the clock
-- (a hold stops counting when expires_at passes), so it is a trigger, not a
-- constraint.
--
-- Two bookings by one patient for different slots lock different slot rows,
-- so the slot lock cannot serialise them: the trigger takes the patient's row
-- lock (FOR NO KEY UPDATE, which the foreign-key checks' KEY SHARE locks do
-- not conflict with) and then counts with a fresh snapshot, so the second of
-- two concurrent bookings counts the first one's hold, on any number of
-- servers. It runs after appointments_2_slot_capacity, so a booking of a full
-- slot is refused before it waits for the patient.
--
-- The cap comes from the booking itself: the booking statement sets
-- sched.max_active_holds_per_patient for its transaction. Unset or 0 means no
-- cap, so scripts and bulk loads that insert holds directly are not limited.
-- Staff and services booking for a patient count too: the cap is the
-- patient's, whoever asks. Confirmed appointments never count.
CREATE FUNCTION guard_patient_hold_cap() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  hold_cap integer := NULLIF(current_setting('sched.max_active_holds_per_patient', true), '')::integer;
  holds    integer;
BEGIN
  IF hold_cap IS NULL OR hold_cap <= 0 THEN
    RETURN NEW;
  END IF;
  PERFORM 1 FROM patients WHERE id = NEW.patient_id FOR NO KEY UPDATE;
  SELECT count(*) INTO holds
    FROM appointments
   WHERE patient_id = NEW.patient_id
     AND id <> NEW.id
     AND status = 'pending'
     AND expires_at > now();
  IF holds >= hold_cap THEN
    RAISE EXCEPTION 'patient % already has % active holds, the most allowed', NEW.patient_id, holds
      USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_patient_hold_cap';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER appointments_3_patient_hold_cap
  BEFORE INSERT ON appointments
  FOR EACH ROW
  WHEN (NEW.status = 'pending')
  EXECUTE FUNCTION guard_patient_hold_cap();

-- The count above, and the booking statement's own, read only a patient's
-- pending holds: a handful, however long the patient's history.
CREATE INDEX appointments_pending_by_patient ON appointments (patient_id, expires_at) WHERE status = 'pending';

-- Down Migration

DROP INDEX appointments_pending_by_patient;
DROP TRIGGER appointments_3_patient_hold_cap ON appointments;
DROP FUNCTION guard_patient_hold_cap();
