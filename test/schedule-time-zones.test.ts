import { describe, expect, it } from "vitest";
import type { GeneratedSlot, WeeklyRule } from "../src/core/model/schedule.js";
import { weekdays } from "../src/core/model/schedule.js";
import { generateSlots, type SlotRules } from "../src/core/schedules/generate-slots.js";

/*
 * Wall-clock rules against every day of a year in four zones: Europe/London
 * and America/New_York (one-hour shifts on different dates),
 * Australia/Lord_Howe (a 30-minute shift, southern seasons) and Asia/Kolkata
 * (no daylight saving time, a half-hour offset). Two independent checks: UTC
 * instants written out by hand from the published offsets around each
 * transition of 2027, and Node's own Intl time-zone formatting for every slot
 * of the year.
 */

const allWeek = [...weekdays];
const wholeDay: WeeklyRule = { weekdays: allWeek, start: "00:00", end: "23:45", slotMinutes: 15, bufferMinutes: 0, capacity: 1 };
const slotsPerDay = 95; // 00:00 to 23:30, the last ending 23:45

function rulesIn(timeZone: string, rules: WeeklyRule[] = [wholeDay], extra: Partial<SlotRules> = {}): SlotRules {
  return { timeZone, effectiveFrom: "2026-12-01", effectiveUntil: null, rules, exceptions: [], ...extra };
}

const years = new Map<string, GeneratedSlot[]>();

/** Every slot of the whole-day rule starting around 2027, made once per zone. */
function year2027(timeZone: string): GeneratedSlot[] {
  let slots = years.get(timeZone);
  if (slots === undefined) {
    slots = generateSlots(rulesIn(timeZone), { from: new Date("2026-12-31T00:00:00Z"), until: new Date("2028-01-02T00:00:00Z") });
    years.set(timeZone, slots);
  }
  return slots;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** "YYYY-MM-DD HH:MM" on the zone's wall clock, by Intl (not by the library under test). */
function wallClock(instant: Date, timeZone: string): string {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

const iso = (slot: GeneratedSlot) => [slot.startTime.toISOString(), slot.endTime.toISOString()];
const startingIn = (slots: GeneratedSlot[], from: string, to: string) =>
  slots.filter((slot) => slot.startTime >= new Date(from) && slot.startTime < new Date(to)).map(iso);

const zones = [
  // The local dates of 2027 whose slot count is not the usual one, with that count.
  { zone: "Europe/London", shortDays: { "2027-03-28": slotsPerDay - 4 } },
  { zone: "America/New_York", shortDays: { "2027-03-14": slotsPerDay - 4 } },
  { zone: "Australia/Lord_Howe", shortDays: { "2027-10-03": slotsPerDay - 2 } },
  { zone: "Asia/Kolkata", shortDays: {} },
] as const;

describe.each(zones)("every day of 2027 in $zone", ({ zone, shortDays }) => {
  const slots = year2027(zone);
  const inYear = slots.filter((slot) => wallClock(slot.startTime, zone).startsWith("2027-"));

  it("makes slots that never overlap, each exactly as long as the rule says", () => {
    for (let i = 0; i < slots.length; i++) {
      expect(slots[i]!.endTime.getTime() - slots[i]!.startTime.getTime()).toBe(15 * 60_000);
      if (i > 0) expect(slots[i]!.startTime.getTime()).toBeGreaterThanOrEqual(slots[i - 1]!.endTime.getTime());
    }
  });

  it("starts every slot on its rule's wall-clock time, with no change of offset inside it", () => {
    // The slot's last minute reads 14 minutes after its start on the wall
    // clock: the offset is the same throughout (a slot may end exactly as the
    // clocks change, when its end reads as the time after the jump).
    const minuteOf = (text: string) => Number(text.slice(11, 13)) * 60 + Number(text.slice(14, 16));
    const wrong = inYear.filter((slot) => {
      const start = wallClock(slot.startTime, zone);
      const lastMinute = wallClock(new Date(slot.endTime.getTime() - 60_000), zone);
      return minuteOf(start) % 15 !== 0 || minuteOf(lastMinute) !== minuteOf(start) + 14 || start.slice(0, 10) !== lastMinute.slice(0, 10);
    });
    expect(wrong.map(iso)).toEqual([]);
  });

  it("never makes one wall-clock time twice, fall-back hour included", () => {
    const starts = inYear.map((slot) => wallClock(slot.startTime, zone));
    expect(new Set(starts).size).toBe(starts.length);
  });

  it("makes the full day on every date but the spring-forward one, which loses only its gap", () => {
    const perDay = new Map<string, number>();
    for (const slot of inYear) {
      const day = wallClock(slot.startTime, zone).slice(0, 10);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
    }
    expect(perDay.size).toBe(365);
    const unusual = Object.fromEntries([...perDay].filter(([, count]) => count !== slotsPerDay));
    expect(unusual).toEqual(shortDays);
  });
});

describe("UTC instants around each transition of 2027", () => {

  it("Europe/London: GMT before 28 March, no slot from 01:00 to 02:00 that night, BST after", () => {
    const slots = year2027("Europe/London");
    expect(startingIn(slots, "2027-03-28T00:30:00Z", "2027-03-28T01:30:00Z")).toEqual([
      ["2027-03-28T00:30:00.000Z", "2027-03-28T00:45:00.000Z"], // 00:30 GMT
      ["2027-03-28T00:45:00.000Z", "2027-03-28T01:00:00.000Z"], // 00:45 GMT, ends as the clocks go forward
      ["2027-03-28T01:00:00.000Z", "2027-03-28T01:15:00.000Z"], // 02:00 BST
      ["2027-03-28T01:15:00.000Z", "2027-03-28T01:30:00.000Z"], // 02:15 BST
    ]);
  });

  it("Europe/London: 01:00 to 02:00 on 31 October only once, in BST", () => {
    const slots = year2027("Europe/London");
    expect(startingIn(slots, "2027-10-30T23:45:00Z", "2027-10-31T02:30:00Z")).toEqual([
      ["2027-10-30T23:45:00.000Z", "2027-10-31T00:00:00.000Z"], // 00:45 BST
      ["2027-10-31T00:00:00.000Z", "2027-10-31T00:15:00.000Z"], // 01:00 BST
      ["2027-10-31T00:15:00.000Z", "2027-10-31T00:30:00.000Z"],
      ["2027-10-31T00:30:00.000Z", "2027-10-31T00:45:00.000Z"],
      ["2027-10-31T00:45:00.000Z", "2027-10-31T01:00:00.000Z"], // 01:45 BST
      // 01:00 to 02:00 GMT repeats the hour: nothing
      ["2027-10-31T02:00:00.000Z", "2027-10-31T02:15:00.000Z"], // 02:00 GMT
      ["2027-10-31T02:15:00.000Z", "2027-10-31T02:30:00.000Z"],
    ]);
  });

  it("America/New_York: 02:00 to 03:00 missing on 14 March, 01:00 to 02:00 once on 7 November", () => {
    const slots = year2027("America/New_York");
    expect(startingIn(slots, "2027-03-14T06:45:00Z", "2027-03-14T07:30:00Z")).toEqual([
      ["2027-03-14T06:45:00.000Z", "2027-03-14T07:00:00.000Z"], // 01:45 EST
      ["2027-03-14T07:00:00.000Z", "2027-03-14T07:15:00.000Z"], // 03:00 EDT
      ["2027-03-14T07:15:00.000Z", "2027-03-14T07:30:00.000Z"],
    ]);
    expect(startingIn(slots, "2027-11-07T05:30:00Z", "2027-11-07T07:30:00Z")).toEqual([
      ["2027-11-07T05:30:00.000Z", "2027-11-07T05:45:00.000Z"], // 01:30 EDT
      ["2027-11-07T05:45:00.000Z", "2027-11-07T06:00:00.000Z"], // 01:45 EDT
      ["2027-11-07T07:00:00.000Z", "2027-11-07T07:15:00.000Z"], // 02:00 EST
      ["2027-11-07T07:15:00.000Z", "2027-11-07T07:30:00.000Z"],
    ]);
  });

  it("Australia/Lord_Howe: the half-hour gap on 3 October and the repeated half hour on 4 April", () => {
    const slots = year2027("Australia/Lord_Howe");
    // +10:30 until 02:00 on 3 October, then +11 from 02:30.
    expect(startingIn(slots, "2027-10-02T15:00:00Z", "2027-10-02T16:00:00Z")).toEqual([
      ["2027-10-02T15:00:00.000Z", "2027-10-02T15:15:00.000Z"], // 01:30 +10:30
      ["2027-10-02T15:15:00.000Z", "2027-10-02T15:30:00.000Z"], // 01:45 +10:30
      ["2027-10-02T15:30:00.000Z", "2027-10-02T15:45:00.000Z"], // 02:30 +11
      ["2027-10-02T15:45:00.000Z", "2027-10-02T16:00:00.000Z"],
    ]);
    // +11 until 02:00 on 4 April, then +10:30 from 01:30 again.
    expect(startingIn(slots, "2027-04-03T14:15:00Z", "2027-04-03T16:00:00Z")).toEqual([
      ["2027-04-03T14:15:00.000Z", "2027-04-03T14:30:00.000Z"], // 01:15 +11
      ["2027-04-03T14:30:00.000Z", "2027-04-03T14:45:00.000Z"], // 01:30 +11
      ["2027-04-03T14:45:00.000Z", "2027-04-03T15:00:00.000Z"], // 01:45 +11
      // 01:30 to 02:00 +10:30 repeats: nothing
      ["2027-04-03T15:30:00.000Z", "2027-04-03T15:45:00.000Z"], // 02:00 +10:30
      ["2027-04-03T15:45:00.000Z", "2027-04-03T16:00:00.000Z"],
    ]);
  });

  it("Asia/Kolkata: 09:00 is 03:30 UTC on every day of the year", () => {
    const morning: WeeklyRule = { weekdays: allWeek, start: "09:00", end: "09:30", slotMinutes: 30, bufferMinutes: 0, capacity: 1 };
    const slots = generateSlots(rulesIn("Asia/Kolkata", [morning]), {
      from: new Date("2027-01-01T00:00:00Z"),
      until: new Date("2028-01-01T00:00:00Z"),
    });
    expect(slots).toHaveLength(365);
    expect(slots.every((slot) => slot.startTime.toISOString().endsWith("T03:30:00.000Z"))).toBe(true);
  });

  it("a clinic's 09:00 is the same wall-clock time on both sides of a change of offset", () => {
    const monday: WeeklyRule = { weekdays: ["MONDAY", "FRIDAY"], start: "09:00", end: "10:00", slotMinutes: 30, bufferMinutes: 0, capacity: 2 };
    const slots = generateSlots(rulesIn("Europe/London", [monday]), {
      from: new Date("2027-03-26T00:00:00Z"),
      until: new Date("2027-03-30T00:00:00Z"),
    });
    expect(slots).toEqual([
      { startTime: new Date("2027-03-26T09:00:00Z"), endTime: new Date("2027-03-26T09:30:00Z"), capacity: 2 },
      { startTime: new Date("2027-03-26T09:30:00Z"), endTime: new Date("2027-03-26T10:00:00Z"), capacity: 2 },
      { startTime: new Date("2027-03-29T08:00:00Z"), endTime: new Date("2027-03-29T08:30:00Z"), capacity: 2 },
      { startTime: new Date("2027-03-29T08:30:00Z"), endTime: new Date("2027-03-29T09:00:00Z"), capacity: 2 },
    ]);
  });

  it("leaves out a slot that a change of offset would fall inside, so none overlaps the next", () => {
    // 70-minute slots from 00:00: 00:00 to 01:10 GMT would end after the clocks went forward at 01:00 UTC.
    const long: WeeklyRule = { weekdays: allWeek, start: "00:00", end: "06:00", slotMinutes: 70, bufferMinutes: 0, capacity: 1 };
    const slots = generateSlots(rulesIn("Europe/London", [long]), {
      from: new Date("2027-03-28T00:00:00Z"),
      until: new Date("2027-03-28T06:00:00Z"),
    });
    expect(slots.map(iso)).toEqual([
      // 00:00 GMT + 70 min crosses 01:00 UTC: left out; 01:10 is in the gap
      ["2027-03-28T01:20:00.000Z", "2027-03-28T02:30:00.000Z"], // 02:20 BST
      ["2027-03-28T02:30:00.000Z", "2027-03-28T03:40:00.000Z"], // 03:30 BST
      ["2027-03-28T03:40:00.000Z", "2027-03-28T04:50:00.000Z"], // 04:40 BST, the last ending by 06:00
    ]);
  });
});

describe("rules, buffers, dates and exceptions", () => {
  const window = { from: new Date("2027-03-01T00:00:00Z"), until: new Date("2027-04-30T00:00:00Z") };

  it("spaces slots by their buffer and makes none that would end after the hours", () => {
    const rule: WeeklyRule = { weekdays: ["MONDAY"], start: "09:00", end: "10:00", slotMinutes: 20, bufferMinutes: 10, capacity: 1 };
    const slots = generateSlots(rulesIn("UTC", [rule], { effectiveFrom: "2027-03-22", effectiveUntil: "2027-03-22" }), window);
    expect(slots.map(iso)).toEqual([
      ["2027-03-22T09:00:00.000Z", "2027-03-22T09:20:00.000Z"],
      ["2027-03-22T09:30:00.000Z", "2027-03-22T09:50:00.000Z"],
    ]);
  });

  it("counts effective dates as local dates, both ends included", () => {
    // 23:00 in Los Angeles is 06:00 or 07:00 UTC the next day: still the local date's slot.
    const late: WeeklyRule = { weekdays: allWeek, start: "23:00", end: "23:30", slotMinutes: 30, bufferMinutes: 0, capacity: 1 };
    const slots = generateSlots(
      rulesIn("America/Los_Angeles", [late], { effectiveFrom: "2027-03-22", effectiveUntil: "2027-03-24" }),
      window,
    );
    expect(slots.map((slot) => slot.startTime.toISOString())).toEqual([
      "2027-03-23T06:00:00.000Z",
      "2027-03-24T06:00:00.000Z",
      "2027-03-25T06:00:00.000Z",
    ]);
  });

  it("closes a day, adds hours to another, and replaces a day's hours when both", () => {
    const rule: WeeklyRule = { weekdays: ["MONDAY", "WEDNESDAY"], start: "09:00", end: "10:00", slotMinutes: 60, bufferMinutes: 0, capacity: 1 };
    const extra = { start: "14:00", end: "15:00", slotMinutes: 60, bufferMinutes: 0, capacity: 3 };
    const slots = generateSlots(
      rulesIn("UTC", [rule], {
        effectiveFrom: "2027-03-22",
        effectiveUntil: "2027-03-31",
        exceptions: [
          { date: "2027-03-22", closed: true, hours: [] },
          { date: "2027-03-24", closed: false, hours: [extra] },
          { date: "2027-03-29", closed: true, hours: [extra] },
        ],
      }),
      window,
    );
    expect(slots.map((slot) => [slot.startTime.toISOString(), slot.capacity])).toEqual([
      ["2027-03-24T09:00:00.000Z", 1],
      ["2027-03-24T14:00:00.000Z", 3],
      ["2027-03-29T14:00:00.000Z", 3],
      ["2027-03-31T09:00:00.000Z", 1],
    ]);
  });

  it("makes only the slots starting inside the window, so windows side by side make each slot once", () => {
    const rules = rulesIn("Europe/London");
    const whole = generateSlots(rules, { from: new Date("2027-10-30T00:00:00Z"), until: new Date("2027-11-01T00:00:00Z") });
    const halves = [
      ...generateSlots(rules, { from: new Date("2027-10-30T00:00:00Z"), until: new Date("2027-10-31T00:37:00Z") }),
      ...generateSlots(rules, { from: new Date("2027-10-31T00:37:00Z"), until: new Date("2027-11-01T00:00:00Z") }),
    ];
    expect(halves).toEqual(whole);
  });
});
