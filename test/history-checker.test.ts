import { describe, expect, it } from "vitest";
import { invariantVerdict } from "../src/cli/simulate/invariant-verdict.js";
import { checkHistory, type HistoryProperty } from "../src/core/history/check-history.js";
import type { DatabaseRecord, RecordedAppointment, RecordedEvent } from "../src/core/history/database-record.js";
import type { HistoryOperation, OperationAnswer } from "../src/core/history/history-operation.js";
import { cleanAudit } from "./support/booking-fixture.js";

// Hand-made histories and database records, each breaking one property: the
// checker must name that property, and only that one. Times are ms after t0.
const t0 = Date.parse("2031-01-06T08:00:00Z");
const ttl = 2_000;
const ok: OperationAnswer = { outcome: "ok" };
const full: OperationAnswer = { outcome: "refused", code: "slot_already_booked" };
const noAnswer: OperationAnswer = { outcome: "unknown", reason: "ECONNRESET" };

function op(kind: HistoryOperation["kind"], fields: Partial<HistoryOperation>, from: number, to: number, answer: OperationAnswer = ok): HistoryOperation {
  return { kind, ...fields, startedAt: t0 + from, endedAt: t0 + to, answer };
}
const book = (id: string | undefined, slotId: string, patientId: string, from: number, to: number, answer: OperationAnswer = ok) =>
  op("book", { ...(id === undefined ? {} : { appointmentId: id }), slotId, patientId }, from, to, answer);
const confirm = (id: string, from: number, to: number, answer: OperationAnswer = ok) => op("confirm", { appointmentId: id }, from, to, answer);
const cancel = (id: string, from: number, to: number, answer: OperationAnswer = ok) => op("cancel", { appointmentId: id }, from, to, answer);

/** An appointment held at `created` (ms after t0), with its later events. */
function appointment(id: string, slotId: string, patientId: string, created: number, later: [RecordedEvent["type"], number][] = []): RecordedAppointment {
  const events: RecordedEvent[] = [{ type: "APPOINTMENT_CREATED", at: t0 + created }, ...later.map(([type, at]) => ({ type, at: t0 + at }))];
  const last = events.at(-1)!.type;
  const status = {
    APPOINTMENT_CREATED: "pending",
    APPOINTMENT_CONFIRMED: "confirmed",
    APPOINTMENT_CANCELLED: "cancelled",
    APPOINTMENT_EXPIRED: "expired",
    APPOINTMENT_RESCHEDULED: "confirmed",
    APPOINTMENT_CHECKED_IN: "arrived",
    APPOINTMENT_COMPLETED: "fulfilled",
    APPOINTMENT_NO_SHOW: "noshow",
  } as const;
  return { id, slotId, patientId, status: status[last], holdExpiresAt: t0 + created + ttl, events };
}

function record(appointments: RecordedAppointment[], capacity = 1): DatabaseRecord {
  return { slots: [{ id: "slot-1", capacity }, { id: "slot-2", capacity }], appointments };
}

function properties(history: HistoryOperation[], database: DatabaseRecord): HistoryProperty[] {
  return checkHistory(history, database).violations.map((violation) => violation.property);
}

describe("checkHistory on a history that keeps every promise", () => {
  it("finds nothing, and counts what it checked", () => {
    const history = [
      book("a", "slot-1", "p1", 0, 10),
      confirm("a", 100, 110),
      book(undefined, "slot-1", "p2", 200, 210, full),
      cancel("a", 1_000, 1_010),
      book("b", "slot-1", "p2", 1_020, 1_030),
      book("c", "slot-2", "p3", 0, 5),
    ];
    const database = record([
      appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_CONFIRMED", 102], ["APPOINTMENT_CANCELLED", 1_002]]),
      appointment("b", "slot-1", "p2", 1_022),
      // Nobody confirmed c: the expiry worker ended it after it lapsed.
      appointment("c", "slot-2", "p3", 1, [["APPOINTMENT_EXPIRED", ttl + 300]]),
    ]);
    expect(checkHistory(history, database)).toEqual({
      valid: true,
      operations: 6,
      acknowledged: 5,
      appointments: 3,
      events: 6,
      refusalsChecked: 1,
      peakOccupancy: 1,
      slotsFilled: 2,
      violations: [],
    });
  });

  it("does not mistake a booking that began before a cancel's transaction but committed after it for an overbooking", () => {
    // b's transaction starts at 500, before a's cancel starts at 505; the
    // capacity trigger waited for the cancel's commit, so b fitted. Only
    // timestamps of transaction starts would show both at 500-505.
    const history = [book("a", "slot-1", "p1", 0, 10), cancel("a", 504, 520), book("b", "slot-1", "p2", 499, 530)];
    const database = record([appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_CANCELLED", 505]]), appointment("b", "slot-1", "p2", 500)]);
    expect(checkHistory(history, database).violations).toEqual([]);
  });

  it("accepts a confirm acknowledged twice, the second time with the appointment unchanged", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), confirm("a", 100, 110), confirm("a", 500, 510)];
    expect(checkHistory(history, record([appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_CONFIRMED", 102]])])).violations).toEqual([]);
  });

  it("accepts a booking of unknown fate that is in the database, and one that is not", () => {
    const history = [book(undefined, "slot-1", "p1", 0, 10_000, noAnswer), book(undefined, "slot-2", "p2", 0, 10_000, noAnswer)];
    expect(checkHistory(history, record([appointment("x", "slot-1", "p1", 12_000)])).violations).toEqual([]);
  });
});

describe("checkHistory catches", () => {
  it("capacity: two holds of a capacity-1 slot at once", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), book("b", "slot-1", "p2", 20, 30)];
    const database = record([appointment("a", "slot-1", "p1", 2), appointment("b", "slot-1", "p2", 22)]);
    const verdict = checkHistory(history, database);
    expect(verdict.violations.map((v) => v.property)).toEqual(["capacity"]);
    expect(verdict.violations[0]!.detail).toMatch(/^slot slot-1 \(capacity 1\) held 2 at 2031-01-06T08:00:00\.035Z: a, b$/);
    expect(verdict.valid).toBe(false);
  });

  it("capacity: a hold taken before the previous one lapsed, even after the end state is clean", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), book("b", "slot-1", "p2", 1_000, 1_010)];
    const database = record([
      appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_EXPIRED", 2_500]]),
      appointment("b", "slot-1", "p2", 1_002, [["APPOINTMENT_EXPIRED", 3_500]]),
    ]);
    expect(properties(history, database)).toEqual(["capacity"]);
  });

  it("capacity, but not beyond recorded overbookings", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), book("b", "slot-1", "p2", 20, 30)];
    const database = record([appointment("a", "slot-1", "p1", 2), appointment("b", "slot-1", "p2", 22)]);
    database.slots[0]!.overbookings = 1;
    expect(properties(history, database)).toEqual([]);
  });

  it("acknowledged-recorded: a booking, a confirm and a cancel that clients were told succeeded but the database lacks", () => {
    const history = [book("gone", "slot-1", "p1", 0, 10), book("a", "slot-2", "p2", 0, 10), confirm("a", 20, 30), cancel("a", 40, 50)];
    expect(properties(history, record([appointment("a", "slot-2", "p2", 2)]))).toEqual([
      "acknowledged-recorded",
      "acknowledged-recorded",
      "acknowledged-recorded",
    ]);
  });

  it("acknowledged-recorded: a booking stored for another patient, and an event dated after its answer", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), book("b", "slot-2", "p2", 0, 10)];
    const database = record([appointment("a", "slot-1", "p9", 2), appointment("b", "slot-2", "p2", 50)]);
    expect(properties(history, database)).toEqual(["acknowledged-recorded", "acknowledged-recorded"]);
  });

  it("nothing-unasked: an appointment no request asked for, a cancel nobody sent and an expiry before the hold lapsed", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), book(undefined, "slot-2", "p2", 0, 10, full)];
    const database = record([
      appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_CANCELLED", 100]]),
      // A refused booking explains nothing: the answer said nothing was made.
      appointment("phantom", "slot-2", "p2", 5, [["APPOINTMENT_EXPIRED", 500]]),
    ]);
    const verdict = checkHistory(history, database);
    expect(verdict.violations.map((v) => [v.property, v.appointmentId])).toEqual([
      ["nothing-unasked", "a"],
      ["nothing-unasked", "phantom"],
      ["nothing-unasked", "phantom"],
    ]);
  });

  it("nothing-unasked: one booking of unknown fate explains one appointment, not two", () => {
    const history = [book(undefined, "slot-1", "p1", 0, 10_000, noAnswer)];
    const database = record([appointment("x", "slot-1", "p1", 5, [["APPOINTMENT_CANCELLED", 6]]), appointment("y", "slot-1", "p1", 7)], 2);
    expect(properties(history, database)).toEqual(["nothing-unasked", "nothing-unasked"]);
  });

  it("confirm-after-hold: a confirmation written after the hold lapsed, and one acknowledged before its booking was sent", () => {
    // b's confirmation event is also outside its confirm's request: acknowledged-recorded.
    const history = [book("a", "slot-1", "p1", 0, 10), confirm("a", ttl + 100, ttl + 110), book("b", "slot-2", "p2", 500, 510), confirm("b", 300, 400)];
    const database = record([
      appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_CONFIRMED", ttl + 105]]),
      appointment("b", "slot-2", "p2", 502, [["APPOINTMENT_CONFIRMED", 505]]),
    ]);
    const verdict = checkHistory(history, database);
    expect(verdict.violations.map((v) => v.property)).toEqual(["acknowledged-recorded", "confirm-after-hold", "confirm-after-hold"]);
  });

  it("confirm-after-hold: a confirmation recorded before its hold", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), confirm("a", 0, 10)];
    const database = record([
      { ...appointment("a", "slot-1", "p1", 5), status: "confirmed", events: [{ type: "APPOINTMENT_CONFIRMED", at: t0 + 4 }, { type: "APPOINTMENT_CREATED", at: t0 + 5 }] },
    ]);
    expect(properties(history, database)).toEqual(["confirm-after-hold"]);
  });

  it("refusal-explained: slot_already_booked while the slot had room", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), cancel("a", 100, 110), book(undefined, "slot-1", "p2", 200, 210, full)];
    const database = record([appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_CANCELLED", 102]])]);
    const verdict = checkHistory(history, database);
    expect(verdict.violations.map((v) => v.property)).toEqual(["refusal-explained"]);
    expect(verdict.violations[0]!.detail).toContain("held at most 0 of 1 meanwhile");
  });

  it("refusal-explained: slot_already_booked after the only hold had lapsed, though nothing had marked it expired", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), book(undefined, "slot-1", "p2", ttl + 50, ttl + 60, full)];
    const database = record([appointment("a", "slot-1", "p1", 2)]);
    expect(properties(history, database)).toEqual(["refusal-explained"]);
  });
});

describe("sched simulate's verdict", () => {
  it("counts history violations by property beside the audit's findings", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), book("b", "slot-1", "p2", 20, 30), book("gone", "slot-2", "p3", 0, 10)];
    const verdict = checkHistory(history, record([appointment("a", "slot-1", "p1", 2), appointment("b", "slot-1", "p2", 22)]));
    expect(invariantVerdict(cleanAudit, verdict)).toEqual({
      hold: false,
      verdict: "invariants: BROKEN: 1 history violation(s) of acknowledged-recorded, 1 history violation(s) of capacity",
    });
    expect(invariantVerdict(cleanAudit, { violations: [] })).toEqual({ hold: true, verdict: "invariants: all hold" });
  });
});

describe("checkHistory with moves", () => {
  const reschedule = (id: string, slotId: string, from: number, to: number, answer: OperationAnswer = ok) =>
    op("reschedule", { appointmentId: id, slotId }, from, to, answer);
  /** a: booked in slot-1 at 2, confirmed at 102, moved to slot-2 at 300 (or not recorded). */
  function moved(recorded = true, into = "slot-2"): RecordedAppointment {
    const a = appointment("a", into, "p1", 2, [["APPOINTMENT_CONFIRMED", 102]]);
    if (recorded) a.events.push({ type: "APPOINTMENT_RESCHEDULED", at: t0 + 300, fromSlotId: "slot-1", toSlotId: into });
    else a.slotId = "slot-1";
    return a;
  }

  it("follows an appointment from slot to slot: the old place frees at the move, the new one is taken", () => {
    const history = [
      book("a", "slot-1", "p1", 0, 10),
      confirm("a", 100, 110),
      reschedule("a", "slot-2", 298, 310),
      book(undefined, "slot-2", "p3", 350, 360, full),
      book("b", "slot-1", "p2", 400, 410),
    ];
    const verdict = checkHistory(history, record([moved(), appointment("b", "slot-1", "p2", 402)]));
    expect(verdict.violations).toEqual([]);
    expect({ refusals: verdict.refusalsChecked, peak: verdict.peakOccupancy }).toEqual({ refusals: 1, peak: 1 });
  });

  it("reports an acknowledged move the database lacks, and a move nobody asked for", () => {
    expect(properties([book("a", "slot-1", "p1", 0, 10), confirm("a", 100, 110), reschedule("a", "slot-2", 298, 310)], record([moved(false)]))).toEqual([
      "acknowledged-recorded",
    ]);
    expect(properties([book("a", "slot-1", "p1", 0, 10), confirm("a", 100, 110)], record([moved()]))).toEqual(["nothing-unasked"]);
  });

  it("finds a move into a full slot, unless the slot recorded an overbooking", () => {
    const history = [book("a", "slot-1", "p1", 0, 10), confirm("a", 100, 110), book("c", "slot-2", "p3", 0, 10), reschedule("a", "slot-2", 298, 310)];
    const database = record([moved(), appointment("c", "slot-2", "p3", 2, [["APPOINTMENT_CONFIRMED", 50]])]);
    expect(properties([...history, confirm("c", 48, 52)], database)).toEqual(["capacity"]);
    database.slots[1]!.overbookings = 1;
    expect(properties([...history, confirm("c", 48, 52)], database)).toEqual([]);
  });
});

describe("checkHistory with visit outcomes", () => {
  const checkIn = (id: string, from: number, to: number, answer: OperationAnswer = ok) => op("check_in", { appointmentId: id }, from, to, answer);
  const complete = (id: string, from: number, to: number, answer: OperationAnswer = ok) => op("complete", { appointmentId: id }, from, to, answer);
  const noShow = (id: string, from: number, to: number, answer: OperationAnswer = ok) => op("no_show", { appointmentId: id }, from, to, answer);
  const visited = (): HistoryOperation[] => [
    book("a", "slot-1", "p1", 0, 10),
    confirm("a", 100, 110),
    checkIn("a", 200, 210),
    complete("a", 300, 310),
    book("b", "slot-2", "p2", 0, 10),
    confirm("b", 100, 110),
    noShow("b", 400, 410),
  ];
  const visits = (): RecordedAppointment[] => [
    appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_CONFIRMED", 102], ["APPOINTMENT_CHECKED_IN", 202], ["APPOINTMENT_COMPLETED", 302]]),
    appointment("b", "slot-2", "p2", 2, [["APPOINTMENT_CONFIRMED", 102], ["APPOINTMENT_NO_SHOW", 402]]),
  ];

  it("accepts acknowledged check-ins, completions and no-shows with their events", () => {
    expect(checkHistory(visited(), record(visits())).violations).toEqual([]);
  });

  it("keeps an arrived, fulfilled or no-show appointment in its slot: a refusal long after is explained, a booking let in is over capacity", () => {
    const later = ttl + 5_000;
    const refusals = [book(undefined, "slot-1", "p3", later, later + 10, full), book(undefined, "slot-2", "p3", later, later + 10, full)];
    expect(checkHistory([...visited(), ...refusals], record(visits())).violations).toEqual([]);
    const admitted = [book("c", "slot-1", "p3", later, later + 10), book("d", "slot-2", "p4", later, later + 10)];
    const database = record([...visits(), appointment("c", "slot-1", "p3", later + 2), appointment("d", "slot-2", "p4", later + 2)]);
    expect(properties([...visited(), ...admitted], database)).toEqual(["capacity", "capacity"]);
  });

  it("reports an acknowledged check-in, completion and no-show the database lacks, and visit steps nobody asked for", () => {
    const unrecorded = [
      appointment("a", "slot-1", "p1", 2, [["APPOINTMENT_CONFIRMED", 102]]),
      appointment("b", "slot-2", "p2", 2, [["APPOINTMENT_CONFIRMED", 102]]),
    ];
    expect(properties(visited(), record(unrecorded))).toEqual(["acknowledged-recorded", "acknowledged-recorded", "acknowledged-recorded"]);
    const unasked = visited().filter((operation) => !["check_in", "complete", "no_show"].includes(operation.kind));
    expect(properties(unasked, record(visits()))).toEqual(["nothing-unasked", "nothing-unasked", "nothing-unasked"]);
    // A step of unknown fate sent before its event explains it.
    const unknown = [...unasked, checkIn("a", 150, 10_000, noAnswer), complete("a", 250, 10_000, noAnswer), noShow("b", 350, 10_000, noAnswer)];
    expect(properties(unknown, record(visits()))).toEqual([]);
  });
});
