import { AppointmentService } from "../../../gen/sched/v1/appointment_service_pb.js";
import { DirectoryService } from "../../../gen/sched/v1/directory_service_pb.js";
import { ScheduleService } from "../../../gen/sched/v1/schedule_service_pb.js";
import { EventService } from "../../../gen/sched/v1/event_service_pb.js";
import { WebhookService } from "../../../gen/sched/v1/webhook_service_pb.js";
import { SlotService } from "../../../gen/sched/v1/slot_service_pb.js";
import { WaitlistService } from "../../../gen/sched/v1/waitlist_service_pb.js";
import type { CoreServices } from "../../core/services/core-services.js";
import { served, type ServedService } from "../procedures/procedure-table.js";
import { appointmentService } from "./appointment-service.js";
import { directoryService } from "./directory-service.js";
import { scheduleService } from "./schedule-service.js";
import { eventService, type EventServiceOptions } from "./event-service.js";
import { webhookService } from "./webhook-service.js";
import { slotService } from "./slot-service.js";
import { waitlistService } from "./waitlist-service.js";

/** The sched services on the core; every one of their calls needs a caller. */
export function schedServices(core: CoreServices, events: EventServiceOptions): ServedService[] {
  return [
    served(AppointmentService, appointmentService(core), "caller"),
    served(SlotService, slotService(core), "caller"),
    served(DirectoryService, directoryService(core), "caller"),
    served(ScheduleService, scheduleService(core), "caller"),
    served(EventService, eventService(core, events), "caller"),
    served(WebhookService, webhookService(core), "caller"),
    served(WaitlistService, waitlistService(core), "caller"),
  ];
}
