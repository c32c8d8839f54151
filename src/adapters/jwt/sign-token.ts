import { createSecretKey } from "node:crypto";
import { SignJWT } from "jose";
import type { VerifiedCaller } from "../../core/access/caller.js";

export interface TokenToSign {
  caller: VerifiedCaller;
  secret: string;
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
}

/** An HS256 token for a caller, as `sched token` mints it for operators and tests. */
export function signToken({ caller, secret, ttlSeconds, issuer, audience }: TokenToSign): Promise<string> {
  let jwt = new SignJWT({ role: caller.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(caller.subject)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
  if (issuer !== undefined) jwt = jwt.setIssuer(issuer);
  if (audience !== undefined) jwt = jwt.setAudience(audience);
  return jwt.sign(createSecretKey(Buffer.from(secret, "utf8")));
}
