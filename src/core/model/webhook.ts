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

/** Every webhook's deliveries by state, for /metrics. */
export interface DeliveryFigures {
  delivered: number;
  /** Dead-lettered after WEBHOOK_MAX_ATTEMPTS failed tries. */
  dead: number;
  /** Pending after at least one failed try. */
  retrying: number;
  /** Pending, not tried yet. */
  waiting: number;
  /** How long the oldest pending delivery has waited since it was planned; 0 when none is pending. */
  oldestUndeliveredSeconds: number;
}

/** What one try came to. */
export type DeliveryOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };
