-- Up Migration

-- Appointment ids were random (version 4), so every booking inserted its id,
-- and its events' appointment_id, at a random place in indexes that grow with
-- every appointment ever made: the more history, the more index pages each
-- booking dirtied and had to log in full after a checkpoint. Version 7 UUIDs
-- (RFC 9562) begin with the creation time in milliseconds, so new ids land at
-- the right-hand edge of those indexes whatever their size; the remaining 74
-- bits stay random, so ids are still unguessable. PostgreSQL 15 has no
-- generator of its own: this takes a random UUID, writes the 48-bit Unix time
-- in milliseconds over its first six bytes, and turns its version nibble from
-- 4 (0100) into 7 (0111) by setting the two bits between them.
CREATE FUNCTION uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
           set_bit(set_bit(
             overlay(uuid_send(gen_random_uuid())
                     PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                     FROM 1 FOR 6),
             52, 1), 53, 1),
           'hex')::uuid
$$;

ALTER TABLE appointments ALTER COLUMN id SET DEFAULT uuid_v7();

-- Down Migration

ALTER TABLE appointments ALTER COLUMN id SET DEFAULT gen_random_uuid();
DROP FUNCTION uuid_v7();
