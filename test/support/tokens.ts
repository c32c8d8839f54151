import { createSecretKey } from "node:crypto";
import { SignJWT } from "jose";

/** The settings a test server verifies tokens with. */
export const testSecret = "test-secret-that-is-long-enough-for-hs256-0123456789";
export const testIssuer = "https://auth.test.example";
export const testAudience = "sched-test";

export const authEnv: Record<string, string> = {
  AUTH_JWT_SECRET: testSecret,
  AUTH_ISSUER: testIssuer,
  AUTH_AUDIENCE: testAudience,
};

export interface TokenClaims {
  role?: string;
  sub?: string;
  aud?: string;
  iss?: string;
  /** Seconds from now; negative for a token that has expired. */
  expiresIn?: number;
  secret?: string;
}

/** An HS256 token for the test server, valid unless the claims say otherwise. */
export function token({ role = "staff", sub = "staff-1", aud = testAudience, iss = testIssuer, expiresIn = 600, secret = testSecret }: TokenClaims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(now - 3600)
    .setExpirationTime(now + expiresIn)
    .sign(createSecretKey(Buffer.from(secret)));
}

/** An unsecured JWT (`alg: none`, RFC 7519 section 6) with otherwise valid claims. */
export function unsignedToken(role: string, sub: string): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: "none", typ: "JWT" })}.${part({ role, sub, iss: testIssuer, aud: testAudience, exp: now + 600 })}.`;
}

export const bearer = (value: string): Record<string, string> => ({ authorization: `Bearer ${value}` });
