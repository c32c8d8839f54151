import type { DatabaseRecord } from "../../../core/history/database-record.js";
import type { Queryable } from "../pool.js";

// The slots and their appointments with every event, in one statement and
// so one snapshot. Times are milliseconds since the epoch with PostgreSQL's
// microseconds as the fraction. A hold's expiry is read from its
// APPOINTMENT_CREATED event, because the row forgets expires_at once the hold
// ends. With $2, appointments that ended before it are left out: they cannot
// occupy a slot after it.
const text = `
SELECT
  (SELECT coalesce(json_agg(json_build_object('id', s.id, 'capacity', s.capacity)), '[]')
     FROM appointment_slots s WHERE s.id = ANY ($1::uuid[])) AS slots,
  (SELECT coalesce(json_agg(json_build_object(
            'id', a.id, 'slotId', a.slot_id, 'patientId', a.patient_id, 'status', a.status,
            'holdExpiresAt', (SELECT extract(epoch FROM (e.payload->>'expires_at')::timestamptz) * 1000
                                FROM event_logs e
                               WHERE e.appointment_id = a.id AND e.event_type = 'APPOINTMENT_CREATED'
                               ORDER BY e.id LIMIT 1),
            'events', (SELECT coalesce(json_agg(json_build_object('type', e.event_type, 'at', extract(epoch FROM e.created_at) * 1000) ORDER BY e.id), '[]')
                         FROM event_logs e WHERE e.appointment_id = a.id))), '[]')
     FROM appointments a
    WHERE a.slot_id = ANY ($1::uuid[])
      AND ($2::timestamptz IS NULL OR a.updated_at >= $2 OR a.status IN ('pending', 'confirmed'))) AS appointments`;

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
