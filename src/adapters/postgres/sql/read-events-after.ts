import type { AppointmentEventType } from "../../../core/model/appointment.js";
import type { EventPosition } from "../../../core/feed/event-position.js";
import type { EventFilter, FeedEvent } from "../../../core/feed/feed-event.js";
import type { Queryable } from "../pool.js";
import { eventColumns, toAppointmentEvent, type EventRow } from "../rows/event-row.js";

interface FeedRow extends EventRow {
  slot_id: string;
  patient_id: string;
  clinician_id: string | null;
  from_slot_id: string | null;
  from_clinician_id: string | null;
}

// The feed in position order (xid, then id), from after ($1, $2) up to
// ($3, $4) when given, publishing only events whose transaction is older
// than the oldest one still in progress: every such transaction has ended,
// so no event can ever appear before the last one read here
// (docs/architecture.md, The event feed). The row comparison walks
// event_logs_by_position. Filters match the event as it happened: the slot
// its appointment was in when it was written (event_logs.slot_id, migration
// 0012) and that slot's clinician, and the patient; a move also matches the
// slot it left and that slot's clinician. A slot deleted since leaves its
// events without a clinician.
const text = `
SELECT ${eventColumns}, e.slot_id, a.patient_id, s.clinician_id,
       e.payload->>'from_slot_id' AS from_slot_id, f.clinician_id AS from_clinician_id
  FROM event_logs e
  JOIN appointments a ON a.id = e.appointment_id
  LEFT JOIN appointment_slots s ON s.id = e.slot_id
  LEFT JOIN appointment_slots f ON f.id = (e.payload->>'from_slot_id')::uuid
 WHERE (e.xid, e.id) > ($1::xid8, $2::bigint)
   AND ($3::xid8 IS NULL OR (e.xid, e.id) <= ($3::xid8, $4::bigint))
   AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
   AND ($5::uuid IS NULL OR e.slot_id = $5::uuid OR e.payload->>'from_slot_id' = $5::text)
   AND ($6::uuid IS NULL OR s.clinician_id = $6::uuid OR f.clinician_id = $6::uuid)
   AND ($7::uuid IS NULL OR a.patient_id = $7::uuid)
   AND ($8::appointment_event_type[] IS NULL OR e.event_type = ANY ($8::appointment_event_type[]))
 ORDER BY e.xid, e.id
 LIMIT $9`;

export async function readEventsAfter(
  db: Queryable,
  after: EventPosition,
  options: { upTo?: EventPosition | undefined; filter?: EventFilter | undefined; limit: number },
): Promise<FeedEvent[]> {
  const { upTo, filter, limit } = options;
  const types: readonly AppointmentEventType[] | undefined = filter?.eventTypes.length ? filter.eventTypes : undefined;
  const { rows } = await db.query<FeedRow>({
    name: "read_events_after",
    text,
    values: [
      after.transaction.toString(),
      after.id.toString(),
      upTo?.transaction.toString() ?? null,
      upTo?.id.toString() ?? null,
      filter?.slotId ?? null,
      filter?.clinicianId ?? null,
      filter?.patientId ?? null,
      types ?? null,
      limit,
    ],
  });
  return rows.map((row) => ({
    ...toAppointmentEvent(row),
    at: { transaction: BigInt(row.xid), id: BigInt(row.id) },
    slotId: row.slot_id,
    patientId: row.patient_id,
    clinicianId: row.clinician_id ?? undefined,
    ...(row.from_slot_id === null ? {} : { fromSlotId: row.from_slot_id, fromClinicianId: row.from_clinician_id ?? undefined }),
  }));
}
