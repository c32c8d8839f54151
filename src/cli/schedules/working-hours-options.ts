import { InvalidArgumentError } from "commander";

// The CLI's short forms of a schedule's rules, checked as commander reads
// them; the server checks the rest (ranges, overlaps) and names the field.

const dayNames = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
const hoursPattern = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;

export interface RuleText {
  weekdays: string[];
  start: string;
  end: string;
}

/** "09:00-12:00": local start and end. */
export function hoursRange(value: string): { start: string; end: string } {
  const match = hoursPattern.exec(value.trim());
  if (match === null) throw new InvalidArgumentError("expected local hours HH:MM-HH:MM, such as 09:00-12:00");
  return { start: match[1]!, end: match[2]! };
}

/** "MON,WED 09:00-12:00" (days by name or their first three letters), collected when repeated. */
export function weeklyRule(value: string, previous: RuleText[] = []): RuleText[] {
  const [days, hours, ...rest] = value.trim().split(/\s+/);
  if (days === undefined || hours === undefined || rest.length > 0) {
    throw new InvalidArgumentError('expected days and hours, such as "MON,WED 09:00-12:00"');
  }
  const weekdays = days.split(",").map((day) => {
    const name = dayNames.find((full) => full === day.toUpperCase() || full.slice(0, 3) === day.toUpperCase());
    if (name === undefined) throw new InvalidArgumentError(`${JSON.stringify(day)} is not a weekday (MONDAY or MON … SUNDAY or SUN)`);
    return name;
  });
  return [...previous, { weekdays, ...hoursRange(hours) }];
}

/** "14:00-16:00", collected when repeated. */
export function hoursList(value: string, previous: Array<{ start: string; end: string }> = []): Array<{ start: string; end: string }> {
  return [...previous, hoursRange(value)];
}
