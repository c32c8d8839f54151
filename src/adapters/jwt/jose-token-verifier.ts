import { jwtVerify, type JWSAlgorithm } from "jose";
import { callerFromClaims } from "../../core/access/caller-from-claims.js";
import type { VerifiedCaller } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";
import type { TokenVerifier } from "../../core/ports/token-verifier.js";
import type { PinnedKey } from "./verification-key.js";

export interface JoseVerifierOptions {
  key: PinnedKey;
  issuer?: string;
  audience?: string;
  /** Refuses tokens issued (iat) longer ago, so a leaked long-lived token dies anyway. */
  maxTokenAgeSeconds: number;
}

// Clocks of issuers and servers drift a little; more would stretch expiry.
const clockToleranceSeconds = 30;

/** Verifies JWTs with jose: signature with the pinned algorithms, exp and iat (required), age, nbf, iss, aud. */
export class JoseTokenVerifier implements TokenVerifier {
  constructor(private readonly options: JoseVerifierOptions) {}

  async verify(token: string): Promise<VerifiedCaller> {
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
    } catch {
      caller = undefined;
    }
    if (caller === undefined) throw new SchedError("unauthenticated", "authentication required");
    return caller;
  }
}
