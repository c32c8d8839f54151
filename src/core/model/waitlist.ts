/**
 * Where a waiting-list entry is: waiting in the queue; offered a pending hold
 * (appointmentId); accepted when the patient confirmed it; lapsed when the
 * offer expired or was cancelled (it is not queued again); left when the
 * patient left the queue.
 */
export type WaitlistEntryStatus = "waiting" | "offered" | "accepted" | "lapsed" | "left";

export const waitlistEntryStatuses: readonly WaitlistEntryStatus[] = ["waiting", "offered", "accepted", "lapsed", "left"];

/** What an entry waits for: one slot, or any slot of a clinician starting in [from, to). */
export type WaitlistTarget = { slotId: string } | { clinicianId: string; from: Date; to: Date };

export interface WaitlistEntry {
  id: string;
  patientId: string;
  /** Set for an entry that waits for one slot. */
  slotId: string | null;
  /** Set, with the window, for an entry that waits for any slot of a clinician. */
  clinicianId: string | null;
  from: Date | null;
  to: Date | null;
  /** Higher is offered first; equal priorities in the order they joined. */
  priority: number;
  status: WaitlistEntryStatus;
  /** The offered hold, once there is one. */
  appointmentId: string | null;
  offeredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewWaitlistEntry {
  patientId: string;
  target: WaitlistTarget;
  priority: number;
}

export type WaitlistFilter = { patientId?: string; slotId?: string; clinicianId?: string };

export interface WaitlistPage {
  entries: WaitlistEntry[];
  total: number;
}

/** How many entries are in each status, for the metrics. */
export type WaitlistCounts = Record<WaitlistEntryStatus, number>;
