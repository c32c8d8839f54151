import type { JsonObject } from "@bufbuild/protobuf";
import { AppointmentEventSchema } from "../../../gen/sched/v1/appointment_pb.js";
import type { AppointmentEvent } from "../../core/model/appointment.js";
import { renderMessage } from "../rest/render-json.js";
import { appointmentEventMessage } from "./messages.js";

/** An event as the REST API renders it (GET /appointments/{id}/events), for webhook bodies. */
export function appointmentEventJson(event: AppointmentEvent): JsonObject {
  return renderMessage(AppointmentEventSchema, appointmentEventMessage(event));
}
