import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { ScheduleService } from "../../../gen/sched/v1/schedule_service_pb.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { callerOf } from "../security/caller-context.js";
import { slotMessage } from "./messages.js";
import { hoursInput, ruleInput, scheduleMessage } from "./schedule-messages.js";

function date(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp === undefined ? undefined : timestampDate(timestamp);
}

export function scheduleService({ schedules }: CoreServices): ServiceImpl<typeof ScheduleService> {
  return {
    async createSchedule(request, context) {
      const schedule = await schedules.createSchedule(callerOf(context), {
        clinicianId: request.clinicianId,
        timeZone: request.timeZone,
        effectiveFrom: request.effectiveFrom,
        effectiveUntil: request.effectiveUntil,
        rules: request.rules.map(ruleInput),
      });
      return { schedule: scheduleMessage(schedule) };
    },
    async updateSchedule(request, context) {
      const schedule = await schedules.updateSchedule(callerOf(context), request.id, {
        timeZone: request.timeZone,
        effectiveFrom: request.effectiveFrom,
        effectiveUntil: request.effectiveUntil,
        rules: request.rules.map(ruleInput),
      });
      return { schedule: scheduleMessage(schedule) };
    },
    async getSchedule(request, context) {
      return { schedule: scheduleMessage(await schedules.getSchedule(callerOf(context), request.id)) };
    },
    async listSchedules(request, context) {
      const page = await schedules.listSchedules(callerOf(context), {
        clinicianId: request.clinicianId || undefined,
        limit: request.limit,
        offset: request.offset,
      });
      return { schedules: page.schedules.map(scheduleMessage), total: page.total };
    },
    async addScheduleException(request, context) {
      const schedule = await schedules.addScheduleException(callerOf(context), request.scheduleId, {
        date: request.date,
        closed: request.closed,
        hours: request.hours.map(hoursInput),
      });
      return { schedule: scheduleMessage(schedule) };
    },
    async listScheduleConflicts(request, context) {
      const page = await schedules.listConflicts(callerOf(context), request.scheduleId, { limit: request.limit, offset: request.offset });
      return { slots: page.slots.map(slotMessage), total: page.total };
    },
    async findAvailability(request, context) {
      const slots = await schedules.findAvailability(callerOf(context), {
        specialty: request.specialty || undefined,
        clinicianId: request.clinicianId || undefined,
        from: date(request.from),
        to: date(request.to),
        limit: request.limit,
        offset: request.offset,
      });
      return { slots: slots.map(slotMessage) };
    },
  };
}
