import type { Appointments } from "./appointments.js";
import type { Directory } from "./directory.js";
import type { Schedules } from "./schedules.js";
import type { EventFeed } from "./event-feed.js";
import type { Slots } from "./slots.js";
import type { Webhooks } from "./webhooks.js";
import type { Waitlist } from "./waitlist.js";

/** The core the transport serves; the transport knows nothing beneath it. */
export interface CoreServices {
  appointments: Appointments;
  slots: Slots;
  directory: Directory;
  schedules: Schedules;
  events: EventFeed;
  webhooks: Webhooks;
  waitlist: Waitlist;
}
