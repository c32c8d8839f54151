import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { JoseTokenVerifier } from "../src/adapters/jwt/jose-token-verifier.js";
import { signToken } from "../src/adapters/jwt/sign-token.js";
import { pinnedKey } from "../src/adapters/jwt/verification-key.js";
import { VerifiedTokenCache } from "../src/adapters/jwt/verified-token-cache.js";

// The cache of verified tokens: a token verifies once and is then known until
// its exp or maximum age, never longer; failures are never kept.

const secret = "a-secret-of-at-least-thirty-two-characters";
const claims = { issuer: "https://idp", audience: "sched" };
const staff = { subject: "front-desk-7", role: "staff" } as const;

function verifierWith(cache: VerifiedTokenCache, maxTokenAgeSeconds = 86_400): JoseTokenVerifier {
  return new JoseTokenVerifier({ key: pinnedKey({ kind: "secret", secret }), maxTokenAgeSeconds, cache, ...claims });
}

async function refused(check: Promise<unknown>): Promise<void> {
  await expect(check).rejects.toMatchObject({ name: "SchedError", code: "unauthenticated" });
}

describe("the verified-token cache", () => {
  it("keeps a verified token's caller, and nothing for a token that differs by one character", async () => {
    const cache = new VerifiedTokenCache();
    const verifier = verifierWith(cache);
    const token = await signToken({ caller: staff, secret, ttlSeconds: 600, ...claims });
    await expect(verifier.verify(token)).resolves.toEqual(staff);
    expect(cache.get(token)).toEqual(staff);
    await expect(verifier.verify(token)).resolves.toEqual(staff);
    expect(cache.size).toBe(1);
    // The signature's first character: every bit of it counts (the last one's low bits are padding).
    const at = token.lastIndexOf(".") + 1;
    const tampered = `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
    expect(cache.get(tampered)).toBeUndefined();
    await refused(verifier.verify(tampered));
    expect(cache.size).toBe(1);
  });

  it("keeps no failure: a refused token is checked, and refused, every time", async () => {
    const cache = new VerifiedTokenCache();
    const verifier = verifierWith(cache);
    const elsewhere = await signToken({ caller: staff, secret, ttlSeconds: 600, issuer: "https://elsewhere", audience: "sched" });
    await refused(verifier.verify(elsewhere));
    await refused(verifier.verify(elsewhere));
    const noRole = await new SignJWT({ sub: "ops", iss: claims.issuer, aud: claims.audience })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(secret));
    await refused(verifier.verify(noRole));
    expect(cache.size).toBe(0);
  });

  it("forgets a token at its exp, or at iat plus the maximum token age when that comes first", async () => {
    let now = Date.now();
    const cache = new VerifiedTokenCache(100, () => now);
    const issuedAt = Math.floor(now / 1000);
    // A 10-minute token under a 60-second maximum age: known for 60 s from iat.
    const aged = await new SignJWT({ role: "staff", iss: claims.issuer, aud: claims.audience })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("ops")
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 600)
      .sign(new TextEncoder().encode(secret));
    await verifierWith(cache, 60).verify(aged);
    now = issuedAt * 1000 + 59_999;
    expect(cache.get(aged)).toEqual({ subject: "ops", role: "staff" });
    now = issuedAt * 1000 + 60_000;
    expect(cache.get(aged)).toBeUndefined();
    expect(cache.size).toBe(0);

    // A 2-minute token under a day's maximum age: known until its exp.
    now = Date.now();
    const short = await signToken({ caller: staff, secret, ttlSeconds: 120, ...claims });
    await verifierWith(cache).verify(short);
    const exp = (JSON.parse(Buffer.from(short.split(".")[1]!, "base64url").toString()) as { exp: number }).exp;
    now = exp * 1000 - 1;
    expect(cache.get(short)).toEqual(staff);
    now = exp * 1000;
    expect(cache.get(short)).toBeUndefined();
  });

  it("keeps nothing whose moment has passed, and at most `max` tokens, the least recently used leaving first", () => {
    const now = 1_000_000;
    const cache = new VerifiedTokenCache(2, () => now);
    cache.set("lapsed", staff, now);
    expect(cache.size).toBe(0);
    cache.set("a", staff, now + 1000);
    cache.set("b", staff, now + 1000);
    expect(cache.get("a")).toEqual(staff);
    cache.set("c", staff, now + 1000);
    expect(cache.size).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toEqual(staff);
    expect(cache.get("c")).toEqual(staff);
  });
});
