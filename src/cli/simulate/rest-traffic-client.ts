import http from "node:http";
import https from "node:https";
import { failure, refusal, success, type Outcome } from "../../app/simulate/outcome.js";
import { callTimeoutMs, type TrafficAccess, type TrafficClient } from "./traffic-client.js";

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The REST API over HTTP/1.1 keep-alive connections, one per worker at most,
 * as a pool of keep-alive REST clients drives it.
 */
export function restTrafficClient(baseUrl: string, connections: number, { token, ca }: TrafficAccess): TrafficClient {
  const base = new URL(baseUrl);
  const transport = base.protocol === "https:" ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: connections, ...(ca === undefined ? {} : { ca }) });
  const prefix = base.pathname.replace(/\/$/, "");

  const call = (method: string, path: string, body?: unknown): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = transport.request(
        { protocol: base.protocol, hostname: base.hostname, port: base.port, method, path: prefix + path, agent },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body: parsed(text) }));
          response.on("error", reject);
        },
      );
      request.setTimeout(callTimeoutMs, () => request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
      request.on("error", reject);
      if (payload !== undefined) request.setHeader("content-type", "application/json");
      if (token !== undefined) request.setHeader("authorization", `Bearer ${token}`);
      request.end(payload);
    });

  const outcomeOf = async (answer: Promise<Answer>): Promise<Outcome & { body?: Record<string, unknown> }> => {
    try {
      const { status, body } = await answer;
      if (status >= 200 && status < 300) return { ...success, body };
      return refusal(typeof body.error === "string" ? body.error : `http_${status}`);
    } catch (error) {
      return failure(transportFailure(error));
    }
  };

  return {
    async book(slotId, patientId) {
      const { body, ...outcome } = await outcomeOf(call("POST", "/appointments", { slot_id: slotId, patient_id: patientId }));
      return typeof body?.id === "string" ? { ...outcome, appointmentId: body.id } : outcome;
    },
    confirm: (id) => outcomeOf(call("POST", `/appointments/${encodeURIComponent(id)}/confirm`, {})),
    getAppointment: (id) => outcomeOf(call("GET", `/appointments/${encodeURIComponent(id)}`)),
    listPatientAppointments: (patientId) =>
      outcomeOf(call("GET", `/appointments?patient_id=${encodeURIComponent(patientId)}&limit=20`)),
    close: () => agent.destroy(),
  };
}

function parsed(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function transportFailure(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "transport_error";
}
