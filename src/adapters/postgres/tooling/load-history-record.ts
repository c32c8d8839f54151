import type { DatabaseRecord } from "../../../core/history/database-record.js";
import type { Queryable } from "../pool.js";

// The slots and their appointments with every event, in one statement and
// so one snapshot. Times are milliseconds since the epoch with PostgreSQL's
// microseconds as the fraction. A hold's expiry is read from its
// APPOINTMENT_CREATED event, because the row forgets expires_at once the hold
// ends (a move's event carries the hold's new expiry). Appointments that moved
// away from one of the slots come too, with each move's slots. With $2,
// appointments that ended before it are left out: they cannot occupy a slot
// after it. A slot's overbookings are the events that placed an appointment
// there marked overbooked.
const text = `
SELECT
  (SELECT coalesce(json_agg(json_build_object('id', s.id, 'capacity', s.capacity, 'overbookings',
            (SELECT count(*) FROM event_logs e
              WHERE e.event_type IN ('APPOINTMENT_CREATED', 'APPOINTMENT_RESCHEDULED') AND (e.payload->>'overbooked')::boolean
                AND coalesce(e.payload->>'to_slot_id', e.payload->>'slot_id') = s.id::text))), '[]')
     FROM appointment_slots s WHERE s.id = ANY ($1::uuid[])) AS slots,
  (SELECT coalesce(json_agg(json_build_object(
            'id', a.id, 'slotId', a.slot_id, 'patientId', a.patient_id, 'status', a.status,
            'holdExpiresAt', (SELECT extract(epoch FROM (e.payload->>'expires_at')::timestamptz) * 1000
                                FROM event_logs e
                               WHERE e.appointment_id = a.id AND e.event_type = 'APPOINTMENT_CREATED'
                               ORDER BY e.id LIMIT 1),
            'events', (SELECT coalesce(json_agg(json_strip_nulls(json_build_object(
                                  'type', e.event_type, 'at', extract(epoch FROM e.created_at) * 1000,
                                  'fromSlotId', e.payload->>'from_slot_id', 'toSlotId', e.payload->>'to_slot_id',
                                  'expiresAt', CASE WHEN e.event_type = 'APPOINTMENT_RESCHEDULED'
                                                    THEN extract(epoch FROM (e.payload->>'expires_at')::timestamptz) * 1000 END)) ORDER BY e.id), '[]')
                         FROM event_logs e WHERE e.appointment_id = a.id))), '[]')
     FROM appointments a
    WHERE (a.slot_id = ANY ($1::uuid[])
           OR EXISTS (SELECT 1 FROM event_logs m
                       WHERE m.appointment_id = a.id AND m.event_type = 'APPOINTMENT_RESCHEDULED'
                         AND (m.payload->>'from_slot_id')::uuid = ANY ($1::uuid[])))
      AND ($2::timestamptz IS NULL OR a.updated_at >= $2 OR a.status NOT IN ('cancelled', 'expired'))) AS appointments`;

interface Row {
  slots: DatabaseRecord["slots"];
  appointments: (Omit<DatabaseRecord["appointments"][number], "holdExpiresAt"> & { holdExpiresAt: number | null })[];
}

/** What the database recorded about these slots, for checkHistory; `since` (ms since the epoch) is when the history began. */
export async function loadHistoryRecord(db: Queryable, scope: { slotIds: string[]; since?: number }): Promise<DatabaseRecord> {
  const { rows } = await db.query<Row>({
    name: "load_history_record",
    text,
    values: [scope.slotIds, scope.since === undefined ? null : new Date(scope.since)],
  });
  const row = rows[0]!;
  return {
    slots: row.slots,
    appointments: row.appointments.map((appointment) => ({ ...appointment, holdExpiresAt: appointment.holdExpiresAt ?? undefined })),
    ...(scope.since === undefined ? {} : { historyBegan: scope.since }),
  };
}
