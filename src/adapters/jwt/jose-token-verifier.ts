import { jwtVerify, type JWSAlgorithm } from "jose";
import { callerFromClaims } from "../../core/access/caller-from-claims.js";
import type { VerifiedCaller } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";
import type { TokenVerifier } from "../../core/ports/token-verifier.js";
import type { PinnedKey } from "./verification-key.js";
import { VerifiedTokenCache } from "./verified-token-cache.js";

export interface JoseVerifierOptions {
  key: PinnedKey;
  issuer?: string;
  audience?: string;
  /** Refuses tokens issued (iat) longer ago, so a leaked long-lived token dies anyway. */
  maxTokenAgeSeconds: number;
  /** Verified tokens kept until their exp; defaults to a cache of 10 000. */
  cache?: VerifiedTokenCache;
}

// Clocks of issuers and servers drift a little; more would stretch expiry.
const clockToleranceSeconds = 30;

/**
 * Verifies JWTs with jose: signature with the pinned algorithms, exp and iat
 * (required), age, nbf, iss, aud. A token that verified is not checked again
 * until its exp or maximum age (see verified-token-cache.ts).
 */
export class JoseTokenVerifier implements TokenVerifier {
  private readonly cache: VerifiedTokenCache;

  constructor(private readonly options: JoseVerifierOptions) {
    this.cache = options.cache ?? new VerifiedTokenCache();
  }

  async verify(token: string): Promise<VerifiedCaller> {
    const known = this.cache.get(token);
    if (known !== undefined) return known;
    const { key, issuer, audience, maxTokenAgeSeconds } = this.options;
    let caller: VerifiedCaller | undefined;
    try {
      const { payload } = await jwtVerify(token, key.key as Parameters<typeof jwtVerify>[1], {
        algorithms: key.algorithms as JWSAlgorithm[],
        issuer,
        audience,
        requiredClaims: ["exp", "iat", "sub"],
        maxTokenAge: maxTokenAgeSeconds,
        clockTolerance: clockToleranceSeconds,
      });
      caller = callerFromClaims(payload.sub, payload.role);
      // exp and iat are numbers here: jose required and checked them.
      if (caller !== undefined) this.cache.set(token, caller, Math.min(payload.exp!, payload.iat! + maxTokenAgeSeconds) * 1000);
    } catch {
      caller = undefined;
    }
    if (caller === undefined) throw new SchedError("unauthenticated", "authentication required");
    return caller;
  }
}
