import type pg from "pg";

/*
 * The minimal booking: what any booking service must write at the least, on
 * a small schema of its own in the bench's database. A slot counter UPDATE
 * guarded by `active < capacity`, the appointment INSERT and the event
 * INSERT, in one statement. pgbench of it beside pgbench of our own booking
 * statement shows what ours costs over the minimum (its clock-dependent
 * holds, lapsed-hold expiry, checks, triggers and audit columns).
 */

export const referenceSchema = "bench_reference";

/** A fresh reference schema with `slots` empty slots of capacity 1 (what the seed's slots hold). */
export async function resetReference(db: pg.Client, slots: number): Promise<void> {
  await db.query(`DROP SCHEMA IF EXISTS ${referenceSchema} CASCADE;
    CREATE SCHEMA ${referenceSchema};
    CREATE TABLE ${referenceSchema}.slots (
      id       integer PRIMARY KEY,
      capacity integer NOT NULL CHECK (capacity >= 1),
      active   integer NOT NULL DEFAULT 0 CHECK (active >= 0)
    ) WITH (fillfactor = 90);
    CREATE TABLE ${referenceSchema}.appointments (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      slot_id    integer NOT NULL REFERENCES ${referenceSchema}.slots (id),
      patient_id integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE ${referenceSchema}.events (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      appointment_id bigint NOT NULL REFERENCES ${referenceSchema}.appointments (id),
      created_at     timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO ${referenceSchema}.slots (id, capacity) SELECT n, 1 FROM generate_series(1, ${slots}) AS n;`);
  await db.query(`VACUUM ANALYZE ${referenceSchema}.slots`);
}

/** The minimal booking as a pgbench script: a random slot of `slots`, a random patient of `patients`. */
export function referenceScript(slots: number, patients: number): string {
  return `\\set sn random(1, ${slots})
\\set pn random(1, ${patients})
WITH booked AS (
  UPDATE ${referenceSchema}.slots SET active = active + 1 WHERE id = :sn AND active < capacity RETURNING id
), created AS (
  INSERT INTO ${referenceSchema}.appointments (slot_id, patient_id) SELECT id, :pn FROM booked RETURNING id
)
INSERT INTO ${referenceSchema}.events (appointment_id) SELECT id FROM created;
`;
}

/** Bookings the reference made since its reset: pgbench's booked count. */
export const referenceBookedQuery = `SELECT count(*)::int AS booked FROM ${referenceSchema}.appointments`;
