import { create } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type {
  Appointment,
  AppointmentDetails,
  AppointmentEvent,
  AppointmentEventType,
  AppointmentStatus,
} from "../../core/model/appointment.js";
import type { Clinician, Patient } from "../../core/model/directory.js";
import type { Slot, SlotStatus } from "../../core/model/slot.js";
import {
  AppointmentDetailsSchema,
  AppointmentEventSchema,
  AppointmentEventType as ProtoEventType,
  AppointmentSchema,
  AppointmentStatus as ProtoAppointmentStatus,
} from "../../../gen/sched/v1/appointment_pb.js";
import { ClinicianSchema, PatientSchema } from "../../../gen/sched/v1/directory_pb.js";
import { SlotSchema, SlotStatus as ProtoSlotStatus } from "../../../gen/sched/v1/slot_pb.js";

const appointmentStatuses: Record<AppointmentStatus, ProtoAppointmentStatus> = {
  pending: ProtoAppointmentStatus.PENDING,
  confirmed: ProtoAppointmentStatus.CONFIRMED,
  cancelled: ProtoAppointmentStatus.CANCELLED,
  expired: ProtoAppointmentStatus.EXPIRED,
  arrived: ProtoAppointmentStatus.ARRIVED,
  fulfilled: ProtoAppointmentStatus.FULFILLED,
  noshow: ProtoAppointmentStatus.NOSHOW,
};

const slotStatuses: Record<SlotStatus, ProtoSlotStatus> = {
  open: ProtoSlotStatus.OPEN,
  blocked: ProtoSlotStatus.BLOCKED,
  deleted: ProtoSlotStatus.DELETED,
};

const eventTypes: Record<AppointmentEventType, ProtoEventType> = {
  APPOINTMENT_CREATED: ProtoEventType.APPOINTMENT_CREATED,
  APPOINTMENT_CONFIRMED: ProtoEventType.APPOINTMENT_CONFIRMED,
  APPOINTMENT_CANCELLED: ProtoEventType.APPOINTMENT_CANCELLED,
  APPOINTMENT_EXPIRED: ProtoEventType.APPOINTMENT_EXPIRED,
  APPOINTMENT_CHECKED_IN: ProtoEventType.APPOINTMENT_CHECKED_IN,
  APPOINTMENT_COMPLETED: ProtoEventType.APPOINTMENT_COMPLETED,
  APPOINTMENT_NO_SHOW: ProtoEventType.APPOINTMENT_NO_SHOW,
  APPOINTMENT_RESCHEDULED: ProtoEventType.APPOINTMENT_RESCHEDULED,
  WAITLIST_OFFERED: ProtoEventType.WAITLIST_OFFERED,
};

/** The core's event type of a proto value, undefined for UNSPECIFIED or a number this server does not know. */
export function eventTypeOf(value: ProtoEventType): AppointmentEventType | undefined {
  return (Object.keys(eventTypes) as AppointmentEventType[]).find((type) => eventTypes[type] === value);
}

/** The proto value of a core event type. */
export function eventTypeValue(type: AppointmentEventType): ProtoEventType {
  return eventTypes[type];
}

function timestamp(date: Date | null): Timestamp | undefined {
  return date === null ? undefined : timestampFromDate(date);
}

export function appointmentMessage(appointment: Appointment) {
  return create(AppointmentSchema, {
    id: appointment.id,
    slotId: appointment.slotId,
    patientId: appointment.patientId,
    status: appointmentStatuses[appointment.status],
    expiresAt: timestamp(appointment.expiresAt),
    createdAt: timestamp(appointment.createdAt),
    updatedAt: timestamp(appointment.updatedAt),
    overbooked: appointment.overbooked,
  });
}

export function slotMessage(slot: Slot) {
  return create(SlotSchema, {
    id: slot.id,
    clinicianId: slot.clinicianId,
    startTime: timestamp(slot.startTime),
    endTime: timestamp(slot.endTime),
    status: slotStatuses[slot.status],
    capacity: slot.capacity,
    available: slot.available,
    overbooked: slot.overbooked,
  });
}

export function patientMessage(patient: Patient) {
  return create(PatientSchema, { id: patient.id, name: patient.name, email: patient.email ?? undefined });
}

export function clinicianMessage(clinician: Clinician) {
  return create(ClinicianSchema, { id: clinician.id, name: clinician.name, specialty: clinician.specialty ?? undefined });
}

export function appointmentDetailsMessage(details: AppointmentDetails) {
  return create(AppointmentDetailsSchema, {
    id: details.id,
    status: appointmentStatuses[details.status],
    createdAt: timestamp(details.createdAt),
    updatedAt: timestamp(details.updatedAt),
    expiresAt: timestamp(details.expiresAt),
    overbooked: details.overbooked,
    slot: slotMessage(details.slot),
    patient: patientMessage(details.patient),
    clinician: clinicianMessage(details.clinician),
  });
}

export function appointmentEventMessage(event: AppointmentEvent) {
  return create(AppointmentEventSchema, {
    id: BigInt(event.id),
    appointmentId: event.appointmentId,
    eventType: eventTypes[event.eventType],
    payload: event.payload as never,
    createdAt: timestamp(event.createdAt),
    actor: { subject: event.actor.subject, role: event.actor.role },
    position: event.position,
  });
}
