/** What `sched seed` creates, validated. */
export interface SeedPlan {
  clinicians: number;
  patients: number;
  weeks: number;
  slotMinutes: number;
  /** Minutes after midnight UTC. */
  dayStart: number;
  dayEnd: number;
  /** Midnight UTC of the first day of the schedule. */
  startDate: Date;
  capacity: number;
  batchSize: number;
}
