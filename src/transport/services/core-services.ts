import type { Appointments } from "../../core/services/appointments.js";
import type { Directory } from "../../core/services/directory.js";
import type { Slots } from "../../core/services/slots.js";

/** The core the transport serves; the transport knows nothing beneath it. */
export interface CoreServices {
  appointments: Appointments;
  slots: Slots;
  directory: Directory;
}
