-- Up Migration

-- The waiting list (docs/architecture.md, The waiting list). A patient waits
-- for one slot, or for any slot of a clinician starting in a window; whenever
-- a place frees, the first eligible entry (highest priority, then oldest)
-- receives a pending hold on it in the transaction that freed it, made by
-- waitlist_offer() below. The offer is made by triggers on every change that
-- frees a place, so no statement, the service's or a script's, can free one
-- and forget the waiting list.
--
-- Every migration of a run shares one transaction, and PostgreSQL refuses to
-- use an enum value in the transaction that added it: WAITLIST_OFFERED is
-- named only inside function bodies.

ALTER TYPE appointment_event_type ADD VALUE 'WAITLIST_OFFERED';

-- waiting: in the queue; offered: holds the pending hold appointment_id;
-- accepted: confirmed it; lapsed: the offer expired or was cancelled (the
-- entry is not queued again); left: the patient left the queue.
CREATE TYPE waitlist_entry_status AS ENUM ('waiting', 'offered', 'accepted', 'lapsed', 'left');

CREATE TABLE waitlist_entries (
  id             uuid PRIMARY KEY DEFAULT uuid_v7(),
  patient_id     uuid NOT NULL REFERENCES patients (id),
  -- The target: one slot, or a clinician's slots starting in [window_from, window_to).
  slot_id        uuid REFERENCES appointment_slots (id),
  clinician_id   uuid REFERENCES clinicians (id),
  window_from    timestamptz,
  window_to      timestamptz,
  priority       integer NOT NULL DEFAULT 0,
  status         waitlist_entry_status NOT NULL DEFAULT 'waiting',
  appointment_id uuid CONSTRAINT waitlist_entries_one_entry_per_offer UNIQUE REFERENCES appointments (id),
  offered_at     timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT waitlist_entries_one_target CHECK (
    (slot_id IS NOT NULL AND clinician_id IS NULL AND window_from IS NULL AND window_to IS NULL)
    OR (slot_id IS NULL AND clinician_id IS NOT NULL AND window_to > window_from)),
  CONSTRAINT waitlist_entries_offer_recorded CHECK (
    (status IN ('waiting', 'left')) = (appointment_id IS NULL) AND (appointment_id IS NULL) = (offered_at IS NULL))
);
-- One entry per patient and target while it is in the queue or offered; a
-- patient whose offer lapsed may join again, at the back.
CREATE UNIQUE INDEX waitlist_entries_one_per_patient_and_slot
  ON waitlist_entries (patient_id, slot_id) WHERE slot_id IS NOT NULL AND status IN ('waiting', 'offered');
CREATE UNIQUE INDEX waitlist_entries_one_per_patient_and_window
  ON waitlist_entries (patient_id, clinician_id, window_from, window_to) WHERE clinician_id IS NOT NULL AND status IN ('waiting', 'offered');
-- The offer looks for the waiting entries of one slot and of its clinician.
CREATE INDEX waitlist_entries_waiting_for_slot
  ON waitlist_entries (slot_id, priority DESC, created_at) WHERE status = 'waiting' AND slot_id IS NOT NULL;
CREATE INDEX waitlist_entries_waiting_for_clinician
  ON waitlist_entries (clinician_id, window_from) WHERE status = 'waiting' AND clinician_id IS NOT NULL;
CREATE INDEX waitlist_entries_by_patient ON waitlist_entries (patient_id, created_at);

-- The entry an offer was made for; a plain column, so that the trigger that
-- settles offers (below) costs nothing for any other appointment.
ALTER TABLE appointments ADD COLUMN waitlist_entry_id uuid REFERENCES waitlist_entries (id);

-- Offers the free ordinary places of one slot to its waiting list, and
-- returns how many offers it made. Called from the triggers below, in the
-- transaction that freed the places, and when an entry joins.
--
-- It first takes the slot's row lock, as every booking and move does before
-- it counts, and only then reads (each statement of a function takes a fresh
-- snapshot): so whichever of a freer and a joiner takes the lock second sees
-- what the first one committed, and a place never stays free while an
-- eligible entry waits. An entry that another transaction has locked is
-- being offered or left right now, and is skipped rather than waited for: a
-- transaction that offers several slots (the expiry worker) would otherwise
-- wait on entries in an order no lock order governs. For the same reason
-- the per-patient hold cap (sched.waitlist_hold_cap, set by the server for
-- its sessions) is checked without the patient's lock: a patient booking
-- elsewhere at the very same instant can end one hold over the cap, but no
-- freeing statement ever waits for, or fails on, a patient.
--
-- A place is free when the ordinary occupants (the capacity guard's count,
-- overbooked places apart) are fewer than the capacity: a lapsed hold that
-- nothing has marked expired yet is a free place too. A patient who already
-- has an appointment in the slot, even a lapsed hold, is skipped. Slots that
-- are not open, or whose start has passed, get no offers.
CREATE FUNCTION waitlist_offer(target uuid) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  hold_cap   integer := NULLIF(current_setting('sched.waitlist_hold_cap', true), '')::integer;
  ttl_ms     bigint  := COALESCE(NULLIF(current_setting('sched.waitlist_offer_ttl_ms', true), '')::bigint, 900000);
  slot       record;
  free       integer;
  entry      record;
  saved_cap  text;
  offer_id   uuid;
  offer_ends timestamptz;
  offers     integer := 0;
BEGIN
  SELECT s.id, s.clinician_id, s.start_time, s.status, s.capacity INTO slot
    FROM appointment_slots s WHERE s.id = target FOR NO KEY UPDATE;
  IF NOT FOUND OR slot.status <> 'open' OR slot.start_time <= now() THEN
    RETURN 0;
  END IF;
  LOOP
    SELECT slot.capacity - count(*) INTO free
      FROM appointments a
     WHERE a.slot_id = target AND NOT a.overbooked
       AND a.status NOT IN ('cancelled', 'expired')
       AND (a.status <> 'pending' OR a.expires_at > now());
    EXIT WHEN free <= 0;

    SELECT e.id, e.patient_id, e.priority INTO entry
      FROM waitlist_entries e
     WHERE e.status = 'waiting'
       AND (e.slot_id = target
            OR (e.clinician_id = slot.clinician_id AND slot.start_time >= e.window_from AND slot.start_time < e.window_to))
       AND NOT EXISTS (SELECT 1 FROM appointments d
                        WHERE d.slot_id = target AND d.patient_id = e.patient_id
                          AND d.status NOT IN ('cancelled', 'expired'))
       AND (hold_cap IS NULL OR hold_cap <= 0
            OR (SELECT count(*) FROM appointments h
                 WHERE h.patient_id = e.patient_id AND h.status = 'pending' AND h.expires_at > now()) < hold_cap)
     ORDER BY e.priority DESC, e.created_at, e.id
     LIMIT 1
       FOR UPDATE OF e SKIP LOCKED;
    EXIT WHEN NOT FOUND;

    -- The booking statement hands its cap to guard_patient_hold_cap for its
    -- transaction; the offer has checked the cap itself and must not wait
    -- for the patient's lock, so the guard is off for this one insert.
    saved_cap := current_setting('sched.max_active_holds_per_patient', true);
    PERFORM set_config('sched.max_active_holds_per_patient', '0', true);
    INSERT INTO appointments (slot_id, patient_id, expires_at, waitlist_entry_id)
    VALUES (target, entry.patient_id, now() + ttl_ms * interval '1 millisecond', entry.id)
    RETURNING id, expires_at INTO offer_id, offer_ends;
    PERFORM set_config('sched.max_active_holds_per_patient', COALESCE(saved_cap, ''), true);

    INSERT INTO event_logs (appointment_id, event_type, payload, actor_subject, actor_role)
    VALUES (offer_id, 'APPOINTMENT_CREATED',
            jsonb_build_object('to', 'pending', 'slot_id', target, 'patient_id', entry.patient_id,
                               'expires_at', offer_ends, 'waitlist_entry_id', entry.id),
            'system', 'system'),
           (offer_id, 'WAITLIST_OFFERED',
            jsonb_build_object('waitlist_entry_id', entry.id, 'slot_id', target, 'patient_id', entry.patient_id,
                               'priority', entry.priority, 'expires_at', offer_ends),
            'system', 'system');

    UPDATE waitlist_entries
       SET status = 'offered', appointment_id = offer_id, offered_at = now(), updated_at = now()
     WHERE id = entry.id;
    offers := offers + 1;
  END LOOP;
  RETURN offers;
END;
$$;

-- A new entry gets a place that is free already, so that no place stays free
-- while it waits. Every slot it may be offered is locked first, in id order
-- as moves and the expiry worker lock theirs, then offered earliest first
-- until the entry has its offer (an older entry may take a place first).
CREATE FUNCTION waitlist_offer_new_entry(entry_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  candidate uuid;
BEGIN
  PERFORM count(*) FROM (
    SELECT s.id FROM appointment_slots s, waitlist_entries e
     WHERE e.id = entry_id AND s.status = 'open' AND s.start_time > now()
       AND (s.id = e.slot_id
            OR (s.clinician_id = e.clinician_id AND s.start_time >= e.window_from AND s.start_time < e.window_to))
     ORDER BY s.id
       FOR NO KEY UPDATE OF s
  ) locked;
  FOR candidate IN
    SELECT s.id FROM appointment_slots s, waitlist_entries e
     WHERE e.id = entry_id AND s.status = 'open' AND s.start_time > now()
       AND (s.id = e.slot_id
            OR (s.clinician_id = e.clinician_id AND s.start_time >= e.window_from AND s.start_time < e.window_to))
     ORDER BY s.start_time, s.id
  LOOP
    PERFORM waitlist_offer(candidate);
    EXIT WHEN (SELECT status FROM waitlist_entries WHERE id = entry_id) <> 'waiting';
  END LOOP;
END;
$$;

-- A place frees when an appointment that occupied it is cancelled or
-- expired (by the expiry worker, by a booking's sweep, or by hand), and when
-- an appointment moves away. Statements that free places in several slots
-- lock those slots in id order first (the expiry batch, a move), so that
-- their offers never wait on each other crosswise.
CREATE FUNCTION waitlist_offer_freed_place() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM waitlist_offer(OLD.slot_id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER appointments_4_waitlist_offer_freed_place
  AFTER UPDATE OF status, slot_id ON appointments
  FOR EACH ROW
  WHEN ((OLD.status NOT IN ('cancelled', 'expired') AND NEW.status IN ('cancelled', 'expired'))
        OR OLD.slot_id <> NEW.slot_id)
  EXECUTE FUNCTION waitlist_offer_freed_place();

-- An offer confirmed is accepted; one cancelled or expired has lapsed, and
-- the place it held has just gone to the next entry (the trigger above runs
-- first: triggers of one event run in name order).
CREATE FUNCTION waitlist_settle_offer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE waitlist_entries
     SET status = CASE WHEN NEW.status IN ('cancelled', 'expired') THEN 'lapsed' ELSE 'accepted' END::waitlist_entry_status,
         updated_at = now()
   WHERE id = NEW.waitlist_entry_id AND status = 'offered';
  RETURN NULL;
END;
$$;

CREATE TRIGGER appointments_5_waitlist_settle_offer
  AFTER UPDATE OF status ON appointments
  FOR EACH ROW
  WHEN (NEW.waitlist_entry_id IS NOT NULL AND OLD.status = 'pending' AND NEW.status <> 'pending')
  EXECUTE FUNCTION waitlist_settle_offer();

-- A slot opens places when its capacity grows and when it opens again.
-- AFTER, so that the offer's own write of the slot row (the capacity guard)
-- comes after the statement's and not inside it.
CREATE FUNCTION waitlist_offer_opened_places() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM waitlist_offer(NEW.id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER appointment_slots_waitlist_offer_opened_places
  AFTER UPDATE OF capacity, status ON appointment_slots
  FOR EACH ROW
  WHEN (NEW.status = 'open' AND (NEW.capacity > OLD.capacity OR OLD.status <> 'open'))
  EXECUTE FUNCTION waitlist_offer_opened_places();

-- Down Migration

DROP TRIGGER appointment_slots_waitlist_offer_opened_places ON appointment_slots;
DROP FUNCTION waitlist_offer_opened_places();
DROP TRIGGER appointments_5_waitlist_settle_offer ON appointments;
DROP FUNCTION waitlist_settle_offer();
DROP TRIGGER appointments_4_waitlist_offer_freed_place ON appointments;
DROP FUNCTION waitlist_offer_freed_place();
DROP FUNCTION waitlist_offer_new_entry(uuid);
DROP FUNCTION waitlist_offer(uuid);
ALTER TABLE appointments DROP COLUMN waitlist_entry_id;
DROP TABLE waitlist_entries;
DROP TYPE waitlist_entry_status;
-- PostgreSQL cannot drop an enum value: WAITLIST_OFFERED stays, unused.
