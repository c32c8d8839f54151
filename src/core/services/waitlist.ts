import type { Caller } from "../access/caller.js";
import { confinedToPatient, requirePatientSelf, requireStaff } from "../access/policy.js";
import { SchedError } from "../errors.js";
import { requireUuid } from "../ids.js";
import type { WaitlistCounts, WaitlistEntry, WaitlistFilter, WaitlistPage, WaitlistTarget } from "../model/waitlist.js";
import { pageOf, type PageRequest } from "../paging.js";
import type { WaitlistStore } from "../ports/waitlist-store.js";

const maxPriority = 100;

export interface JoinRequest {
  patientId?: string | undefined;
  slotId?: string | undefined;
  clinicianId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Staff only; 0 when absent. */
  priority?: number | undefined;
}

export interface WaitlistListRequest extends PageRequest {
  patientId?: string | undefined;
  slotId?: string | undefined;
  clinicianId?: string | undefined;
}

/**
 * The waiting list: patients queue for a slot, or for any slot of a clinician
 * in a window, and the database offers each freed place to the first eligible
 * entry in the transaction that frees it. A patient joins, leaves and sees
 * only its own entries; staff and services all of them. Only staff set a
 * priority.
 */
export class Waitlist {
  constructor(private readonly store: WaitlistStore) {}

  /** The new entry, already offered when its target has a free place. */
  async join(caller: Caller, request: JoinRequest): Promise<WaitlistEntry> {
    const patientId = requireUuid(request.patientId, "invalid_patient_id", "patient_id");
    requirePatientSelf(caller, patientId);
    const priority = request.priority ?? 0;
    if (request.priority !== undefined) {
      requireStaff(caller, "set a waiting-list priority");
      if (!Number.isInteger(priority) || priority < 0 || priority > maxPriority) {
        throw new SchedError("invalid_argument", `priority must be a whole number from 0 to ${maxPriority}, got ${priority}`);
      }
    }
    return this.store.join({ patientId, target: targetOf(request), priority });
  }

  /** Leaving an entry that has left already answers it unchanged; an offered entry is declined by cancelling its hold. */
  async leave(caller: Caller, id: string | undefined): Promise<WaitlistEntry> {
    const entryId = requireUuid(id, "invalid_waitlist_entry_id", "waiting-list entry id");
    const left = await this.store.leave(entryId, confinedToPatient(caller));
    if (left) return left;
    const current = await this.store.find(entryId);
    const own = confinedToPatient(caller);
    if (own !== undefined && own !== current?.patientId) {
      throw new SchedError("permission_denied", "a patient may reach only its own waiting-list entries");
    }
    if (!current) throw new SchedError("waitlist_entry_not_found", "waiting-list entry not found");
    if (current.status === "left") return current;
    if (current.status === "offered") {
      throw new SchedError("invalid_status_transition", "the entry has an offer: confirm or cancel its appointment instead");
    }
    throw new SchedError("invalid_status_transition", `a ${current.status} entry has left the queue already`);
  }

  /** One of patient_id, slot_id and clinician_id; a patient sees only its own entries, whichever it names. */
  async list(caller: Caller, request: WaitlistListRequest): Promise<WaitlistPage> {
    const page = pageOf(request);
    const filter: WaitlistFilter = {};
    if (present(request.patientId)) filter.patientId = requireUuid(request.patientId, "invalid_patient_id", "patient_id");
    if (present(request.slotId)) filter.slotId = requireUuid(request.slotId, "invalid_slot_id", "slot_id");
    if (present(request.clinicianId)) filter.clinicianId = requireUuid(request.clinicianId, "invalid_clinician_id", "clinician_id");
    if (Object.keys(filter).length === 0) throw new SchedError("missing_filter", "patient_id, slot_id or clinician_id is required");
    if (filter.patientId !== undefined) requirePatientSelf(caller, filter.patientId);
    const own = confinedToPatient(caller);
    return this.store.list(own === undefined ? filter : { ...filter, patientId: own }, page);
  }

  counts(): Promise<WaitlistCounts> {
    return this.store.counts();
  }
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== "";
}

function targetOf(request: JoinRequest): WaitlistTarget {
  const hasSlot = present(request.slotId);
  const hasClinician = present(request.clinicianId);
  if (hasSlot && (hasClinician || request.from !== undefined || request.to !== undefined)) {
    throw new SchedError("invalid_argument", "wait for a slot_id, or for a clinician_id with from and to, not both");
  }
  if (hasSlot) return { slotId: requireUuid(request.slotId, "invalid_slot_id", "slot_id") };
  if (!hasClinician) throw new SchedError("missing_filter", "slot_id, or clinician_id with from and to, is required");
  const clinicianId = requireUuid(request.clinicianId, "invalid_clinician_id", "clinician_id");
  const { from, to } = request;
  if (from === undefined || to === undefined) throw new SchedError("invalid_time_range", "a clinician's window needs from and to");
  if (to.getTime() <= from.getTime()) throw new SchedError("invalid_time_range", "to must be after from");
  if (to.getTime() <= Date.now()) throw new SchedError("invalid_time_range", "the window has passed");
  return { clinicianId, from, to };
}
