/** The days of a week, Monday first (ISO 8601: dayOfWeek 1 is Monday). */
export const weekdays = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"] as const;
export type Weekday = (typeof weekdays)[number];

/**
 * A stretch of local wall-clock time cut into slots: `start` and `end` are
 * "HH:MM" in the schedule's time zone; a slot lasts `slotMinutes` and the
 * next one starts `bufferMinutes` after it ends.
 */
export interface WorkingHours {
  start: string;
  end: string;
  slotMinutes: number;
  bufferMinutes: number;
  capacity: number;
}

/** Working hours on the given days of every week. */
export interface WeeklyRule extends WorkingHours {
  weekdays: Weekday[];
}

/** One local date that differs from the weekly rules: closed, extra hours, or both (the day's hours replaced). */
export interface ScheduleException {
  /** "YYYY-MM-DD", a local date in the schedule's time zone. */
  date: string;
  /** The weekly rules make no slots that day. */
  closed: boolean;
  /** Hours that day on top of the weekly ones (or instead of them when closed). */
  hours: WorkingHours[];
}

/** What a schedule says, without what storing it adds. */
export interface ScheduleDefinition {
  clinicianId: string;
  /** An IANA time zone, e.g. "Europe/London". */
  timeZone: string;
  /** "YYYY-MM-DD", inclusive, local. */
  effectiveFrom: string;
  /** "YYYY-MM-DD", inclusive, local; null for no end. */
  effectiveUntil: string | null;
  rules: WeeklyRule[];
  exceptions: ScheduleException[];
}

export interface Schedule extends ScheduleDefinition {
  id: string;
  /** Grows with every change; a change is applied to the version it was computed from. */
  version: number;
  /** Slots starting before this instant have been made. */
  generatedUntil: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** A slot as a schedule's rules make it. */
export interface GeneratedSlot {
  startTime: Date;
  endTime: Date;
  capacity: number;
}

export interface SchedulePage {
  schedules: Schedule[];
  total: number;
}

/** What regenerating a schedule's future slots did. */
export interface Regeneration {
  /** Slots made. */
  created: number;
  /** Unbooked slots the schedule no longer has, removed from the calendar. */
  removed: number;
  /** Slots holding appointments that no longer fit the schedule: kept, and reported. */
  outside: number;
}
