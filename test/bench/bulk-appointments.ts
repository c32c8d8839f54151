import type pg from "pg";

/*
 * Set-based bulk loads for the benchmark, each one INSERT … SELECT with its
 * events. They write rows straight into the states they would have reached
 * (cancelled, expired, a hold already lapsed), which the schema's
 * legal-insert trigger refuses by design: new rows start as holds. So they
 * run with session_replication_role = replica, which skips triggers (and the
 * foreign-key checks, whose ids come from the tables themselves) for this
 * transaction only. The rows are built legal: final states occupy nothing, so
 * every capacity stays respected, and each appointment gets exactly the event
 * trail of its status.
 */
async function asBulkLoad(db: pg.Client, text: string): Promise<number> {
  await db.query("BEGIN");
  try {
    await db.query("SET LOCAL session_replication_role = replica");
    const { rowCount } = await db.query(text);
    await db.query("COMMIT");
    return rowCount ?? 0;
  } catch (error) {
    await db.query("ROLLBACK");
    throw error;
  }
}

/**
 * `perSlot` past appointments on every slot, alternately cancelled after a
 * confirmation and expired, with their 2–3 events each: the history a busy
 * calendar carries. Returns the number of appointments.
 */
export async function fillPastAppointments(db: pg.Client, perSlot: number): Promise<number> {
  await asBulkLoad(
    db,
    `WITH filled AS (
       INSERT INTO appointments (slot_id, patient_id, status, created_at, updated_at, expires_at)
       SELECT s.id, p.id,
              (CASE WHEN k % 2 = 0 THEN 'cancelled' ELSE 'expired' END)::appointment_status,
              s.start_time - interval '60 days' + k * interval '1 hour',
              s.start_time - interval '60 days' + k * interval '1 hour' + interval '10 minutes',
              NULL
         FROM bench_slots b
         JOIN appointment_slots s ON s.id = b.id
        CROSS JOIN generate_series(1, ${perSlot}) AS k
         JOIN bench_patients p ON p.n = 1 + (b.n * ${perSlot} + k) % (SELECT count(*) FROM bench_patients)
       RETURNING id, slot_id, status, created_at, updated_at
     )
     INSERT INTO event_logs (appointment_id, slot_id, event_type, payload, created_at)
     SELECT f.id, f.slot_id, e.event_type, e.payload, e.at
       FROM filled f
      CROSS JOIN LATERAL (VALUES
        (1, 'APPOINTMENT_CREATED'::appointment_event_type, '{"to": "pending"}'::jsonb, f.created_at),
        (2, 'APPOINTMENT_CONFIRMED', '{"from": "pending", "to": "confirmed"}', f.created_at + interval '1 minute'),
        (3, CASE f.status WHEN 'cancelled' THEN 'APPOINTMENT_CANCELLED'::appointment_event_type ELSE 'APPOINTMENT_EXPIRED' END,
            CASE f.status WHEN 'cancelled' THEN '{"from": "confirmed", "to": "cancelled"}'::jsonb
                          ELSE '{"from": "pending", "to": "expired", "reason": "expiry_worker"}' END,
            f.updated_at)
      ) AS e(step, event_type, payload, at)
      WHERE e.step <> 2 OR f.status = 'cancelled'
      ORDER BY f.id, e.step`,
  );
  const { rows } = await db.query<{ count: number }>("SELECT count(*)::int AS count FROM appointments");
  return rows[0]?.count ?? 0;
}

/** `count` pending holds that lapsed ten minutes ago, on distinct slots, each with its APPOINTMENT_CREATED event. */
export async function insertLapsedHolds(db: pg.Client, count: number): Promise<number> {
  return asBulkLoad(
    db,
    `WITH held AS (
       INSERT INTO appointments (slot_id, patient_id, status, created_at, updated_at, expires_at)
       SELECT b.id, p.id, 'pending', now() - interval '20 minutes', now() - interval '20 minutes',
              now() - interval '10 minutes' - b.n * interval '1 millisecond'
         FROM bench_slots b
         JOIN bench_patients p ON p.n = 1 + b.n % (SELECT count(*) FROM bench_patients)
        WHERE b.n <= ${count}
       RETURNING id, slot_id, patient_id, created_at, expires_at
     )
     INSERT INTO event_logs (appointment_id, slot_id, event_type, payload, created_at)
     SELECT id, slot_id, 'APPOINTMENT_CREATED',
            jsonb_build_object('to', 'pending', 'slot_id', slot_id, 'patient_id', patient_id, 'expires_at', expires_at), created_at
       FROM held`,
  );
}
