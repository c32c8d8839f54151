/*
 * The history checker: proves what a run did from every operation clients
 * sent (HistoryOperation, recorded by the load driver or `sched simulate`)
 * and the database's own record of the same slots (DatabaseRecord: each
 * appointment with its events and their timestamps), rather than from the
 * state the tables end in. The idea is Elle's, Jepsen's checker: a history of
 * operations with their answers, checked against properties the system
 * promises; the properties are this service's own.
 *
 *   capacity               at no instant does a slot hold more occupants
 *                          (confirmed appointments, their visits whatever
 *                          came of them, and holds before their expiry) than
 *                          its capacity plus recorded overbookings;
 *   acknowledged-recorded  every acknowledged booking, confirm, cancel, move,
 *                          check-in, completion and no-show is in the
 *                          database with its event, written while its
 *                          request was in flight;
 *   nothing-unasked        every appointment and every event answers to a
 *                          request that was sent (acknowledged or of unknown
 *                          fate), or, for an expiry, to the clock;
 *   confirm-after-hold     a confirmation follows its hold's creation and comes
 *                          before the hold lapsed, and no acknowledged confirm
 *                          ended before its booking was sent;
 *   refusal-explained      a slot_already_booked answer is explained by the
 *                          slot being full at some instant while that request
 *                          was in flight.
 *
 * Time. Every process runs on one machine, so client times (Date.now()) and
 * event times (PostgreSQL's now()) read the same clock; clockToleranceMs
 * (default 5 ms) covers Date.now()'s whole milliseconds and the distance
 * between two reads of the clock. But an event's created_at is now(), the
 * start of its transaction, not its commit, and others see a change only
 * from its commit on. So what is certain about an appointment is less than
 * its timestamps say, and the checker only reports what is certain:
 *
 * - it occupied its slot from its commit at the latest: for an acknowledged
 *   booking, the answer's arrival; otherwise created_at + commitLagMs;
 * - it stopped occupying it at the earliest at the start of the cancelling
 *   transaction, or at the hold's expires_at, which is exact (the database
 *   compares it with the clock, not with a commit); a confirmed appointment
 *   never lapses, and a check-in, completion or no-show ends nothing: an
 *   arrived, fulfilled or noshow appointment keeps its place for good;
 * - a move is a cancel of the old place and a booking of the new one in one
 *   transaction: the old place ends at the move's start at the earliest,
 *   the new one begins at its commit at the latest, and a hold that moved
 *   lapses at the expiry its move recorded;
 * - for a refusal, the slot may have been fuller than certain: an occupant
 *   may have counted from its created_at and until its cancel's commit (the
 *   cancel's answer, or created_at + commitLagMs).
 *
 * commitLagMs (default 5 000 ms) is the longest a transaction is assumed to
 * run from its start to its commit: the servers' POSTGRES_QUERY_TIMEOUT
 * default, past which PostgreSQL cancels a statement. A larger value only
 * makes the checker report less; an overbooking shorter than the commit lag
 * of an unacknowledged booking is beyond what timestamps can prove.
 */
import type { DatabaseRecord, RecordedAppointment, RecordedEvent } from "./database-record.js";
import type { HistoryOperation } from "./history-operation.js";
import { peakOccupancy, within, type Occupancy } from "./occupancy.js";

export type HistoryProperty = "capacity" | "acknowledged-recorded" | "nothing-unasked" | "confirm-after-hold" | "refusal-explained";

export interface HistoryViolation {
  property: HistoryProperty;
  /** One line: what was found, with the ids and times (ISO 8601) it concerns. */
  detail: string;
  appointmentId?: string;
  slotId?: string;
}

export interface HistoryCheckOptions {
  clockToleranceMs?: number;
  commitLagMs?: number;
}

export interface HistoryVerdict {
  /** True when no property is violated. */
  valid: boolean;
  operations: number;
  acknowledged: number;
  appointments: number;
  events: number;
  /** slot_already_booked answers, each explained (or a violation). */
  refusalsChecked: number;
  /** The most occupants any slot certainly had at one instant, and how many slots reached their capacity. */
  peakOccupancy: number;
  slotsFilled: number;
  violations: HistoryViolation[];
}

export const defaultClockToleranceMs = 5;
export const defaultCommitLagMs = 5_000;

type Kind = HistoryOperation["kind"];
type Step = Exclude<Kind, "reschedule">;
const eventOf: Record<Step, RecordedEvent["type"]> = {
  book: "APPOINTMENT_CREATED",
  confirm: "APPOINTMENT_CONFIRMED",
  cancel: "APPOINTMENT_CANCELLED",
  check_in: "APPOINTMENT_CHECKED_IN",
  complete: "APPOINTMENT_COMPLETED",
  no_show: "APPOINTMENT_NO_SHOW",
};
const stepOfEvent = new Map<RecordedEvent["type"], Exclude<Step, "book">>([
  ["APPOINTMENT_CONFIRMED", "confirm"],
  ["APPOINTMENT_CANCELLED", "cancel"],
  ["APPOINTMENT_CHECKED_IN", "check_in"],
  ["APPOINTMENT_COMPLETED", "complete"],
  ["APPOINTMENT_NO_SHOW", "no_show"],
]);
const visitEvents: RecordedEvent["type"][] = ["APPOINTMENT_CHECKED_IN", "APPOINTMENT_COMPLETED", "APPOINTMENT_NO_SHOW"];
const steps = Object.keys(eventOf) as Step[];

/** Checks a history against the database's record; see the header for the properties and the time rules. */
export function checkHistory(history: HistoryOperation[], record: DatabaseRecord, options: HistoryCheckOptions = {}): HistoryVerdict {
  const tolerance = options.clockToleranceMs ?? defaultClockToleranceMs;
  const commitLag = options.commitLagMs ?? defaultCommitLagMs;
  const violations: HistoryViolation[] = [];
  const appointments = new Map(record.appointments.map((appointment) => [appointment.id, appointment]));
  // An operation acknowledged more than once (a replayed booking, a second
  // confirm answered with the appointment unchanged) is one span: from the
  // first request sent to the first answer, which came after the change.
  const acknowledged = (kind: Kind): Map<string, HistoryOperation> => {
    const spans = new Map<string, HistoryOperation>();
    for (const op of history) {
      if (op.kind !== kind || op.answer.outcome !== "ok" || op.appointmentId === undefined) continue;
      const seen = spans.get(op.appointmentId);
      spans.set(op.appointmentId, seen ? { ...seen, startedAt: Math.min(seen.startedAt, op.startedAt), endedAt: Math.min(seen.endedAt, op.endedAt) } : op);
    }
    return spans;
  };
  const acks = Object.fromEntries(steps.map((kind) => [kind, acknowledged(kind)])) as Record<Step, Map<string, HistoryOperation>>;

  // acknowledged-recorded
  for (const kind of steps) {
    for (const [id, op] of acks[kind]) {
      const appointment = appointments.get(id);
      const event = appointment && firstEvent(appointment, eventOf[kind]);
      const what = `acknowledged ${kind} of ${id} (${span(op)})`;
      if (!appointment) violations.push({ property: "acknowledged-recorded", appointmentId: id, detail: `${what}: no such appointment in the database` });
      else if (kind === "book" && (bookedSlot(appointment) !== op.slotId || appointment.patientId !== op.patientId)) {
        violations.push({
          property: "acknowledged-recorded",
          appointmentId: id,
          detail: `${what}: asked for slot ${op.slotId} and patient ${op.patientId}, the database has slot ${bookedSlot(appointment)} and patient ${appointment.patientId}`,
        });
      } else if (!event) violations.push({ property: "acknowledged-recorded", appointmentId: id, detail: `${what}: no ${eventOf[kind]} event` });
      else if (event.at < op.startedAt - tolerance || event.at > op.endedAt + tolerance) {
        violations.push({ property: "acknowledged-recorded", appointmentId: id, detail: `${what}: its ${event.type} event is dated ${iso(event.at)}, outside the request` });
      }
    }
  }

  // Moves are acknowledged one by one: one appointment may move many times.
  const moveAcks = history.filter((op) => op.kind === "reschedule" && op.answer.outcome === "ok" && op.appointmentId !== undefined);
  const moveEvents = (appointment: RecordedAppointment | undefined): RecordedEvent[] =>
    appointment?.events.filter((event) => event.type === "APPOINTMENT_RESCHEDULED") ?? [];
  const duringMove = (op: HistoryOperation, event: RecordedEvent): boolean =>
    event.toSlotId === op.slotId && event.at >= op.startedAt - tolerance && event.at <= op.endedAt + tolerance;
  for (const op of moveAcks) {
    const appointment = appointments.get(op.appointmentId!);
    const moves = moveEvents(appointment);
    // A move to the slot it already was in when the request was sent is acknowledged with nothing to record.
    const alreadyThere = appointment !== undefined && slotAt(appointment, op.startedAt - tolerance) === op.slotId;
    if (moves.some((event) => duringMove(op, event)) || alreadyThere) continue;
    violations.push({
      property: "acknowledged-recorded",
      appointmentId: op.appointmentId!,
      detail: `acknowledged reschedule of ${op.appointmentId} to slot ${op.slotId} (${span(op)}): no APPOINTMENT_RESCHEDULED event to that slot`,
    });
  }

  // nothing-unasked
  const unknownBookings = new Map<string, HistoryOperation[]>();
  for (const op of history) {
    if (op.kind === "book" && op.answer.outcome === "unknown") {
      const key = `${op.slotId}/${op.patientId}`;
      unknownBookings.set(key, [...(unknownBookings.get(key) ?? []), op]);
    }
  }
  const askedOf = (kind: Exclude<Step, "book">, id: string, at: number): boolean =>
    acks[kind].has(id) || history.some((op) => op.kind === kind && op.appointmentId === id && op.answer.outcome === "unknown" && op.startedAt - tolerance <= at);
  const byCreation = [...record.appointments].sort((a, b) => (firstEvent(a, "APPOINTMENT_CREATED")?.at ?? 0) - (firstEvent(b, "APPOINTMENT_CREATED")?.at ?? 0));
  for (const appointment of byCreation) {
    const { id } = appointment;
    for (const event of appointment.events) {
      if (record.historyBegan !== undefined && event.at < record.historyBegan - tolerance) continue;
      const unasked = (why: string): void => {
        violations.push({ property: "nothing-unasked", appointmentId: id, slotId: appointment.slotId, detail: `${event.type} of ${id} at ${iso(event.at)}: ${why}` });
      };
      if (event.type === "APPOINTMENT_CREATED") {
        if (acks.book.has(id)) continue;
        const candidates = unknownBookings.get(`${bookedSlot(appointment)}/${appointment.patientId}`) ?? [];
        const match = candidates.findIndex((op) => op.startedAt - tolerance <= event.at);
        if (match >= 0) candidates.splice(match, 1);
        else unasked(`no booking of slot ${bookedSlot(appointment)} for patient ${appointment.patientId} was acknowledged with this id or left without an answer before then`);
      } else if (event.type === "APPOINTMENT_EXPIRED") {
        const lapses = holdExpiryAt(appointment, event.at);
        if (lapses === undefined || event.at < lapses - tolerance) {
          unasked(`expired before its hold lapsed (${lapses === undefined ? "no expiry recorded" : iso(lapses)})`);
        }
      } else if (event.type === "APPOINTMENT_RESCHEDULED") {
        const asked = history.some(
          (op) =>
            op.kind === "reschedule" && op.appointmentId === id && op.answer.outcome !== "refused" && op.slotId === event.toSlotId && op.startedAt - tolerance <= event.at,
        );
        if (!asked) unasked(`no move of it to slot ${event.toSlotId} was acknowledged or left without an answer before then`);
      } else {
        const kind = stepOfEvent.get(event.type)!;
        if (!askedOf(kind, id, event.at)) unasked(`no ${kind} of it was acknowledged or left without an answer before then`);
      }
    }
  }

  // confirm-after-hold
  for (const appointment of record.appointments) {
    const created = firstEvent(appointment, "APPOINTMENT_CREATED");
    const confirmed = firstEvent(appointment, "APPOINTMENT_CONFIRMED");
    if (!confirmed) continue;
    const fail = (why: string): void => {
      violations.push({ property: "confirm-after-hold", appointmentId: appointment.id, detail: `confirmation of ${appointment.id} at ${iso(confirmed.at)}: ${why}` });
    };
    const lapses = holdExpiryAt(appointment, confirmed.at);
    if (!created || appointment.events.indexOf(created) > appointment.events.indexOf(confirmed) || created.at > confirmed.at) fail("no hold was created before it");
    else if (lapses !== undefined && confirmed.at >= lapses) fail(`after the hold lapsed at ${iso(lapses)}`);
  }
  for (const [id, confirm] of acks.confirm) {
    const booking = acks.book.get(id);
    if (booking && confirm.endedAt < booking.startedAt - tolerance) {
      violations.push({ property: "confirm-after-hold", appointmentId: id, detail: `acknowledged confirm of ${id} (${span(confirm)}) ended before its booking was sent (${span(booking)})` });
    }
  }

  // capacity and refusal-explained
  const slots = new Map(record.slots.map((slot) => [slot.id, slot]));
  const certain = new Map<string, Occupancy[]>();
  const possible = new Map<string, Occupancy[]>();
  for (const appointment of record.appointments) {
    const created = firstEvent(appointment, "APPOINTMENT_CREATED");
    if (!created) continue;
    const cancelled = firstEvent(appointment, "APPOINTMENT_CANCELLED");
    // Confirmed, or past it to a visit: from then on the place never lapses.
    const confirmed = firstEvent(appointment, "APPOINTMENT_CONFIRMED") ?? appointment.events.find((event) => visitEvents.includes(event.type));
    const booking = acks.book.get(appointment.id);
    const cancel = acks.cancel.get(appointment.id);
    const cancelCommittedBy = cancelled ? Math.min(cancelled.at + commitLag, cancel ? cancel.endedAt + tolerance : Infinity) : Infinity;
    // One stretch per slot it was in: from its booking or the move that brought it, to the move that took it away or its end.
    let slotId = bookedSlot(appointment);
    let certainFrom = Math.min(created.at + commitLag, booking ? booking.endedAt + tolerance : Infinity);
    let possibleFrom = created.at;
    let expiry = appointment.holdExpiresAt ?? Infinity;
    for (const move of moveEvents(appointment)) {
      const lapses = confirmed ? Infinity : expiry;
      const ack = moveAcks.find((op) => op.appointmentId === appointment.id && duringMove(op, move));
      const movedBy = Math.min(move.at + commitLag, ack ? ack.endedAt + tolerance : Infinity);
      push(certain, slotId, { appointmentId: appointment.id, from: certainFrom, to: Math.min(lapses, move.at) });
      push(possible, slotId, { appointmentId: appointment.id, from: possibleFrom, to: Math.min(lapses, movedBy) });
      slotId = move.toSlotId ?? slotId;
      certainFrom = movedBy;
      possibleFrom = move.at;
      expiry = move.expiresAt ?? expiry;
    }
    const lapses = confirmed ? Infinity : expiry;
    push(certain, slotId, { appointmentId: appointment.id, from: certainFrom, to: Math.min(lapses, cancelled?.at ?? Infinity) });
    push(possible, slotId, { appointmentId: appointment.id, from: possibleFrom, to: Math.min(lapses, cancelCommittedBy) });
  }
  let peak = 0;
  let slotsFilled = 0;
  for (const [slotId, occupancies] of certain) {
    const slot = slots.get(slotId);
    if (!slot) continue;
    const limit = slot.capacity + (slot.overbookings ?? 0);
    const found = peakOccupancy(occupancies);
    peak = Math.max(peak, found.peak);
    if (found.peak >= slot.capacity) slotsFilled += 1;
    if (found.peak > limit) {
      violations.push({
        property: "capacity",
        slotId,
        detail: `slot ${slotId} (capacity ${slot.capacity}${slot.overbookings ? ` + ${slot.overbookings} overbooked` : ""}) held ${found.peak} at ${iso(found.at)}: ${found.occupants.join(", ")}`,
      });
    }
  }
  let refusalsChecked = 0;
  for (const op of history) {
    if (op.kind !== "book" || op.answer.outcome !== "refused" || op.answer.code !== "slot_already_booked" || !op.slotId) continue;
    refusalsChecked += 1;
    const slot = slots.get(op.slotId);
    const most = peakOccupancy(within(possible.get(op.slotId) ?? [], op.startedAt - tolerance, op.endedAt + tolerance)).peak;
    if (!slot || most < slot.capacity + (slot.overbookings ?? 0)) {
      violations.push({
        property: "refusal-explained",
        slotId: op.slotId,
        detail: `booking of slot ${op.slotId} for patient ${op.patientId} (${span(op)}) was refused slot_already_booked, but the slot held at most ${most} of ${slot ? slot.capacity : "an unknown capacity"} meanwhile`,
      });
    }
  }

  return {
    valid: violations.length === 0,
    operations: history.length,
    acknowledged: history.filter((op) => op.answer.outcome === "ok").length,
    appointments: record.appointments.length,
    events: record.appointments.reduce((sum, appointment) => sum + appointment.events.length, 0),
    refusalsChecked,
    peakOccupancy: peak,
    slotsFilled,
    violations,
  };
}

/** The slot the appointment was booked into: the one its first move left, or the one it is in. */
function bookedSlot(appointment: RecordedAppointment): string {
  return appointment.events.find((event) => event.type === "APPOINTMENT_RESCHEDULED")?.fromSlotId ?? appointment.slotId;
}

/** The slot the appointment was in at `at`, by its moves' events. */
function slotAt(appointment: RecordedAppointment, at: number): string {
  let slotId = bookedSlot(appointment);
  for (const event of appointment.events) {
    if (event.type === "APPOINTMENT_RESCHEDULED" && event.at <= at && event.toSlotId !== undefined) slotId = event.toSlotId;
  }
  return slotId;
}

/** When the hold lapsed (or lapses) as it stood at `at`: its booking's expiry, or the one its last move before then recorded. */
function holdExpiryAt(appointment: RecordedAppointment, at: number): number | undefined {
  let expiry = appointment.holdExpiresAt;
  for (const event of appointment.events) {
    if (event.type === "APPOINTMENT_RESCHEDULED" && event.at <= at && event.expiresAt !== undefined) expiry = event.expiresAt;
  }
  return expiry;
}

function firstEvent(appointment: RecordedAppointment, type: RecordedEvent["type"]): RecordedEvent | undefined {
  return appointment.events.find((event) => event.type === type);
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

function span(op: HistoryOperation): string {
  return `sent ${iso(op.startedAt)}, answered ${iso(op.endedAt)}`;
}
