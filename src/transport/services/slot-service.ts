import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { SlotService } from "../../../gen/sched/v1/slot_service_pb.js";
import type { CoreServices } from "./core-services.js";
import { slotMessage } from "./messages.js";

function date(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp === undefined ? undefined : timestampDate(timestamp);
}

export function slotService({ slots }: CoreServices): ServiceImpl<typeof SlotService> {
  return {
    async createSlots(request) {
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
      return { slots: (await slots.createSlots(inputs)).map(slotMessage) };
    },
    async searchSlots(request) {
      const page = await slots.searchSlots({
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
    async getSlot(request) {
      return { slot: slotMessage(await slots.getSlot(request.id)) };
    },
    async blockSlot(request) {
      return { slot: slotMessage(await slots.blockSlot(request.id)) };
    },
    async unblockSlot(request) {
      return { slot: slotMessage(await slots.unblockSlot(request.id)) };
    },
  };
}
