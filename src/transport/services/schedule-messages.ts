import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Schedule, WorkingHours } from "../../core/model/schedule.js";
import type { WeeklyRuleInput, WorkingHoursInput } from "../../core/schedules/check-schedule.js";
import { ScheduleSchema, type WeeklyRule, type WorkingHours as WorkingHoursMessage } from "../../../gen/sched/v1/schedule_pb.js";

function hoursFields(hours: WorkingHours) {
  return {
    start: hours.start,
    end: hours.end,
    slotMinutes: hours.slotMinutes,
    bufferMinutes: hours.bufferMinutes,
    capacity: hours.capacity,
  };
}

export function scheduleMessage(schedule: Schedule) {
  return create(ScheduleSchema, {
    id: schedule.id,
    clinicianId: schedule.clinicianId,
    timeZone: schedule.timeZone,
    effectiveFrom: schedule.effectiveFrom,
    effectiveUntil: schedule.effectiveUntil ?? undefined,
    rules: schedule.rules.map((rule) => ({ weekdays: rule.weekdays, ...hoursFields(rule) })),
    exceptions: schedule.exceptions.map((exception) => ({
      date: exception.date,
      closed: exception.closed,
      hours: exception.hours.map(hoursFields),
    })),
    generatedUntil: timestampFromDate(schedule.generatedUntil),
    version: schedule.version,
    createdAt: timestampFromDate(schedule.createdAt),
    updatedAt: timestampFromDate(schedule.updatedAt),
  });
}

// Zero is what proto3 sends for an absent slot length: left for the core to
// refuse with the field's name, like any other value out of range.
export function hoursInput(hours: Omit<WorkingHoursMessage, "$typeName">): WorkingHoursInput {
  return {
    start: hours.start,
    end: hours.end,
    slotMinutes: hours.slotMinutes,
    bufferMinutes: hours.bufferMinutes,
    capacity: hours.capacity,
  };
}

export function ruleInput(rule: WeeklyRule): WeeklyRuleInput {
  return { weekdays: rule.weekdays, ...hoursInput(rule) };
}
