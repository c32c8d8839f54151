import { randomBytes } from "node:crypto";
import { signToken } from "../../src/adapters/jwt/sign-token.js";

/** Who books, and with which credentials: what one attempt of the load generator sends. */
export interface Attempt {
  slotId: string;
  patientId: string;
  /** The whole `authorization` header value; absent against an open server. */
  authorization?: string;
}

/** Picks the patient (and the token) of the next attempt. */
export type PickCaller = () => Omit<Attempt, "slotId">;

/** The production configuration's signing settings, shared by the server's environment and the generator's tokens. */
export interface Signing {
  secret: string;
  issuer: string;
  audience: string;
}

export function newSigning(): Signing {
  return { secret: randomBytes(48).toString("base64"), issuer: "https://sso.bench.example", audience: "sched" };
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/** An open server: any patient, no token. */
export function openCallers(patients: readonly string[]): PickCaller {
  return () => ({ patientId: pick(patients) });
}

/**
 * The production configuration's callers: half of the attempts are a front
 * desk (one staff token) booking for any patient, the other half one of
 * `patientTokens` patients booking for itself with its own token, as the
 * access policy requires. Every token is signed the way `sched token` signs
 * (signToken, HS256, with issuer and audience). A patient's hold count stays
 * small (hundreds of patients share the holds), so the booking statement's
 * per-patient count costs what it costs for pgbench's random patients.
 */
export async function tokenCallers(patients: readonly string[], signing: Signing, patientTokens = 200, ttlSeconds = 12 * 3600): Promise<PickCaller> {
  const sign = async (caller: { subject: string; role: "patient" | "staff" }): Promise<string> =>
    `Bearer ${await signToken({ caller, secret: signing.secret, ttlSeconds, issuer: signing.issuer, audience: signing.audience })}`;
  const staff = await sign({ subject: `bench-front-desk-${randomBytes(3).toString("hex")}`, role: "staff" });
  const own = await Promise.all(
    patients.slice(0, patientTokens).map(async (patientId) => ({ patientId, authorization: await sign({ subject: patientId, role: "patient" }) })),
  );
  return () => (Math.random() < 0.5 ? { patientId: pick(patients), authorization: staff } : pick(own));
}
