/** "HH:MM" (00:00 to 23:59): local wall-clock times of a schedule's rules. */
export const wallClockPattern = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since local midnight on the wall clock, for a time that matched wallClockPattern. */
export function minutesOfDay(time: string): number {
  const [hours, minutes] = time.split(":");
  return Number(hours) * 60 + Number(minutes);
}
