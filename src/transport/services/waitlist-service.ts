import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { WaitlistEntrySchema, WaitlistEntryStatus, WaitlistService } from "../../../gen/sched/v1/waitlist_service_pb.js";
import type { WaitlistEntry, WaitlistEntryStatus as CoreStatus } from "../../core/model/waitlist.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { callerOf } from "../security/caller-context.js";

const statuses: Record<CoreStatus, WaitlistEntryStatus> = {
  waiting: WaitlistEntryStatus.WAITING,
  offered: WaitlistEntryStatus.OFFERED,
  accepted: WaitlistEntryStatus.ACCEPTED,
  lapsed: WaitlistEntryStatus.LAPSED,
  left: WaitlistEntryStatus.LEFT,
};

function date(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp === undefined ? undefined : timestampDate(timestamp);
}

function timestamp(value: Date | null): Timestamp | undefined {
  return value === null ? undefined : timestampFromDate(value);
}

export function waitlistEntryMessage(entry: WaitlistEntry) {
  return create(WaitlistEntrySchema, {
    id: entry.id,
    patientId: entry.patientId,
    slotId: entry.slotId ?? undefined,
    clinicianId: entry.clinicianId ?? undefined,
    from: timestamp(entry.from),
    to: timestamp(entry.to),
    priority: entry.priority,
    status: statuses[entry.status],
    appointmentId: entry.appointmentId ?? undefined,
    offeredAt: timestamp(entry.offeredAt),
    createdAt: timestamp(entry.createdAt),
    updatedAt: timestamp(entry.updatedAt),
  });
}

export function waitlistService({ waitlist }: CoreServices): ServiceImpl<typeof WaitlistService> {
  return {
    async joinWaitlist(request, context) {
      const entry = await waitlist.join(callerOf(context), {
        patientId: request.patientId,
        slotId: request.slotId || undefined,
        clinicianId: request.clinicianId || undefined,
        from: date(request.from),
        to: date(request.to),
        priority: request.priority,
      });
      return { entry: waitlistEntryMessage(entry) };
    },
    async leaveWaitlist(request, context) {
      return { entry: waitlistEntryMessage(await waitlist.leave(callerOf(context), request.id)) };
    },
    async listWaitlist(request, context) {
      const page = await waitlist.list(callerOf(context), {
        patientId: request.patientId || undefined,
        slotId: request.slotId || undefined,
        clinicianId: request.clinicianId || undefined,
        limit: request.limit,
        offset: request.offset,
      });
      return { entries: page.entries.map(waitlistEntryMessage), total: page.total };
    },
  };
}
