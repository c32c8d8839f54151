import { SchedError } from "../../../core/errors.js";
import type { NewWaitlistEntry, WaitlistEntry } from "../../../core/model/waitlist.js";
import type { Queryable } from "../pool.js";
import { toWaitlistEntry, waitlistEntryColumns, type WaitlistEntryRow } from "../rows/waitlist-entry-row.js";

// The entry, unless its slot has started (a slot that does not exist is the
// foreign key's to report, as is a patient or a clinician).
const insertText = `
INSERT INTO waitlist_entries (patient_id, slot_id, clinician_id, window_from, window_to, priority)
SELECT $1, $2::uuid, $3::uuid, $4::timestamptz, $5::timestamptz, $6
 WHERE NOT coalesce((SELECT s.start_time <= now() FROM appointment_slots s WHERE s.id = $2::uuid), false)
RETURNING id`;

// waitlist_offer_new_entry (migrations/0013_waitlist.sql) locks the slots the
// entry may be offered and offers it a place already free, so that no place
// stays free while the entry waits; the entry is then read as it ended.
const offerText = `SELECT waitlist_offer_new_entry($1)`;
const readText = `SELECT ${waitlistEntryColumns} FROM waitlist_entries WHERE id = $1`;

/** Call inside a transaction: the entry and its first offer commit together. */
export async function joinWaitlist(db: Queryable, entry: NewWaitlistEntry): Promise<WaitlistEntry> {
  const target = entry.target;
  const { rows } = await db.query<{ id: string }>({
    name: "join_waitlist",
    text: insertText,
    values: [
      entry.patientId,
      "slotId" in target ? target.slotId : null,
      "clinicianId" in target ? target.clinicianId : null,
      "clinicianId" in target ? target.from : null,
      "clinicianId" in target ? target.to : null,
      entry.priority,
    ],
  });
  const id = rows[0]?.id;
  if (id === undefined) throw new SchedError("slot_in_past", "the slot has already started: there is nothing to wait for");
  await db.query({ name: "offer_new_waitlist_entry", text: offerText, values: [id] });
  const read = await db.query<WaitlistEntryRow>({ name: "read_waitlist_entry", text: readText, values: [id] });
  return toWaitlistEntry(read.rows[0]!);
}
