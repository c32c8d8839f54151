import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { exportJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { JoseTokenVerifier } from "../src/adapters/jwt/jose-token-verifier.js";
import { signToken } from "../src/adapters/jwt/sign-token.js";
import { pinnedKey, type VerificationKeyMaterial } from "../src/adapters/jwt/verification-key.js";
import { bearerAuthentication } from "../src/transport/security/bearer-authentication.js";
import { unsignedToken } from "./support/tokens.js";

// The jose adapter against each kind of key: what verifies, and every way a
// token can fail, which all end in the one unauthenticated error.

const secret = "a-secret-of-at-least-thirty-two-characters";
const patientId = "6f1d7a36-6b7e-4f4e-9d5c-2b8f0f7c9a11";
const now = () => Math.floor(Date.now() / 1000);
const maxTokenAge = 86_400;

function verifier(material: VerificationKeyMaterial, claims: { issuer?: string; audience?: string } = {}): JoseTokenVerifier {
  return new JoseTokenVerifier({ key: pinnedKey(material), maxTokenAgeSeconds: maxTokenAge, ...claims });
}

function jwt(payload: Record<string, unknown>, alg: string, key: KeyObject | Uint8Array, kid?: string): Promise<string> {
  return new SignJWT({ exp: now() + 600, iat: now(), ...payload }).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

async function rejected(check: Promise<unknown>): Promise<void> {
  await expect(check).rejects.toMatchObject({ name: "SchedError", code: "unauthenticated", message: "authentication required" });
}

describe("an HS256 secret", () => {
  const hs = verifier({ kind: "secret", secret }, { issuer: "https://idp", audience: "sched" });
  const key = new TextEncoder().encode(secret);
  const good = { sub: "ops", role: "staff", iss: "https://idp", aud: "sched" };

  it("verifies a token that sched token minted, and names its caller", async () => {
    const token = await signToken({ caller: { subject: patientId, role: "patient" }, secret, ttlSeconds: 60, issuer: "https://idp", audience: "sched" });
    await expect(hs.verify(token)).resolves.toEqual({ subject: patientId, role: "patient" });
  });

  it.each([
    ["expired", { exp: now() - 120 }],
    ["not yet valid", { nbf: now() + 120 }],
    ["without exp", { exp: undefined }],
    ["without iat", { iat: undefined }],
    ["issued longer ago than the maximum token age, though not expired", { iat: now() - maxTokenAge - 120, exp: now() + 600 }],
    ["from another issuer", { iss: "https://elsewhere" }],
    ["for another audience", { aud: "other" }],
    ["with an unknown role", { role: "admin" }],
    ["claiming the anonymous role of an open server", { role: "anonymous" }],
    ["without a role", { role: undefined }],
    ["without a subject", { sub: undefined }],
    ["whose subject is blank", { sub: " \t " }],
    ["whose subject carries a control character", { sub: "ops\nrole=service" }],
    ["whose subject carries a NUL", { sub: "ops\u0000" }],
    ["whose subject carries a line separator and a right-to-left override", { sub: "front-desk-7\u2028\u202e" }],
    ["whose subject carries a zero-width space (Cf)", { sub: "front\u200bdesk-7" }],
    ["whose subject carries a paragraph separator", { sub: "front-desk-7\u2029" }],
    ["whose subject carries a lone surrogate", { sub: "front-desk-7\ud800" }],
    ["whose subject is longer than 200 characters", { sub: "s".repeat(201) }],
    ["for a patient whose subject is no patient id", { role: "patient", sub: "alice" }],
  ])("refuses a token %s", async (_, change) => {
    await rejected(hs.verify(await jwt({ ...good, ...change }, "HS256", key)));
  });

  it("refuses alg none, another algorithm with the same secret, and another secret", async () => {
    await rejected(hs.verify(unsignedToken("staff", "ops")));
    await rejected(hs.verify(await jwt(good, "HS512", key)));
    await rejected(hs.verify(await jwt(good, "HS256", new TextEncoder().encode(`${secret}!`))));
  });
});

describe("a PEM public key", () => {
  it.each([
    ["rsa", "RS256", generateKeyPairSync("rsa", { modulusLength: 2048 })],
    ["ec P-256", "ES256", generateKeyPairSync("ec", { namedCurve: "P-256" })],
    ["ed25519", "EdDSA", generateKeyPairSync("ed25519")],
  ])("%s verifies %s tokens only", async (_, alg, pair) => {
    const pem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
    const pemVerifier = verifier({ kind: "public-key", pem });
    await expect(pemVerifier.verify(await jwt({ sub: "svc", role: "service" }, alg, pair.privateKey))).resolves.toEqual({ subject: "svc", role: "service" });
    // The classic confusion: the public key, which anyone has, used as an HMAC secret.
    await rejected(pemVerifier.verify(await jwt({ sub: "svc", role: "service" }, "HS256", new TextEncoder().encode(pem))));
    const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await rejected(pemVerifier.verify(await jwt({ sub: "svc", role: "service" }, "ES256", stranger.privateKey)));
  });

  it("refuses material that is not a public key", () => {
    expect(() => pinnedKey({ kind: "public-key", pem: "-----BEGIN NOTHING-----" })).toThrow("not a PEM public key");
  });
});

describe("a JWKS file", () => {
  it("verifies tokens of its keys by kid, and nothing else", async () => {
    const signing = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = { ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    const jwksVerifier = verifier({ kind: "jwks", jwks: { keys: [jwk] } });
    await expect(jwksVerifier.verify(await jwt({ sub: "svc", role: "service" }, "ES256", signing.privateKey, "k1"))).resolves.toEqual({
      subject: "svc",
      role: "service",
    });
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" });
    await rejected(jwksVerifier.verify(await jwt({ sub: "svc", role: "service" }, "ES256", other.privateKey, "k1")));
    await rejected(jwksVerifier.verify(unsignedToken("service", "svc")));
  });
});

describe("the Authorization header", () => {
  const authenticate = bearerAuthentication(verifier({ kind: "secret", secret }));

  it("takes a Bearer token, in any case of the scheme", async () => {
    const token = await signToken({ caller: { subject: "ops", role: "staff" }, secret, ttlSeconds: 60 });
    await expect(authenticate(new Headers({ authorization: `bearer ${token}` }))).resolves.toEqual({ subject: "ops", role: "staff" });
  });

  it.each([[""], ["Basic b3BzOnB3"], ["Bearer"], ["Bearer a b"], ["Token abc"]])("refuses %j", async (value) => {
    await rejected(authenticate(new Headers(value === "" ? {} : { authorization: value })));
  });
});
