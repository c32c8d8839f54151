import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { SlotService } from "../../../gen/sched/v1/slot_service_pb.js";
import { callerOf } from "../security/caller-context.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { slotMessage } from "./messages.js";

function date(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp === undefined ? undefined : timestampDate(timestamp);
}

export function slotService({ slots }: CoreServices): ServiceImpl<typeof SlotService> {
  return {
    async createSlots(request, context) {
      // One slot in the top-level fields, or many in `slots`; the core
      // refuses an empty request.
      const single = request.clinicianId !== "" || request.startTime !== undefined || request.endTime !== undefined;
      const inputs = [
        ...(single
          ? [{ clinicianId: request.clinicianId, startTime: date(request.startTime), endTime: date(request.endTime), capacity: request.capacity }]
          : []),
        ...request.slots.map((slot) => ({
          clinicianId: slot.clinicianId,
          startTime: date(slot.startTime),
          endTime: date(slot.endTime),
          capacity: slot.capacity,
        })),
      ];
      return { slots: (await slots.createSlots(callerOf(context), inputs)).map(slotMessage) };
    },
    async searchSlots(request, context) {
      const page = await slots.searchSlots(callerOf(context), {
        clinicianId: request.clinicianId || undefined,
        specialty: request.specialty || undefined,
        from: date(request.from),
        to: date(request.to),
        available: request.available,
        limit: request.limit,
        offset: request.offset,
      });
      return { slots: page.slots.map(slotMessage), total: page.total };
    },
    async getSlot(request, context) {
      return { slot: slotMessage(await slots.getSlot(callerOf(context), request.id)) };
    },
    async blockSlot(request, context) {
      return { slot: slotMessage(await slots.blockSlot(callerOf(context), request.id)) };
    },
    async unblockSlot(request, context) {
      return { slot: slotMessage(await slots.unblockSlot(callerOf(context), request.id)) };
    },
  };
}
