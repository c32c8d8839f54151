import type { AppointmentEvent, AppointmentEventType } from "./appointment.js";

export interface Webhook {
  id: string;
  url: string;
  /** Empty: every type. */
  eventTypes: AppointmentEventType[];
  createdAt: Date;
}

export type DeliveryStatus = "pending" | "delivered" | "dead";

export interface Delivery {
  id: string;
  webhookId: string;
  event: AppointmentEvent;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

/** A delivery claimed for one try: where to send it and with what secret. */
export interface ClaimedDelivery {
  id: string;
  url: string;
  secret: string;
  /** Tries including this one. */
  attempts: number;
  event: AppointmentEvent;
}

/** What one try came to. */
export type DeliveryOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };
