import type { RedisConnection } from "../adapters/redis/create-redis-client.js";
import { JoseTokenVerifier } from "../adapters/jwt/jose-token-verifier.js";
import type { PinnedKey } from "../adapters/jwt/verification-key.js";
import { RedisRateLimiter } from "../adapters/redis/redis-rate-limiter.js";
import type { SecurityConfig } from "../config/security-config.js";
import { admission, type Admit } from "../transport/security/admission.js";
import { bearerAuthentication } from "../transport/security/bearer-authentication.js";
import { metricsAccess, type AuthorizeHeaders } from "../transport/security/metrics-access.js";

/** What the server asks of each request before the core sees it; empty: open access. */
export interface EdgeAccess {
  admit?: Admit;
  authorizeMetrics?: AuthorizeHeaders;
}

export interface EdgeAccessOptions {
  security: SecurityConfig;
  /** The key of security.auth, read from its file; undefined serves open. */
  key: PinnedKey | undefined;
  /** Shared counters across instances; without it nothing is rate-limited. */
  redis: RedisConnection | undefined;
}

/**
 * Bearer-token authentication and per-caller rate limits. An open server has
 * nobody to tell apart, so it limits nobody.
 */
export function createEdgeAccess({ security, key, redis }: EdgeAccessOptions): EdgeAccess {
  if (security.auth === undefined || key === undefined) return {};
  const { issuer, audience, maxTokenAgeSeconds } = security.auth;
  const authenticateHeaders = bearerAuthentication(new JoseTokenVerifier({ key, issuer, audience, maxTokenAgeSeconds }));
  const limits = security.rateLimit;
  const limiter = limits === undefined || redis === undefined ? undefined : new RedisRateLimiter({ redis, ...limits });
  return {
    admit: admission(authenticateHeaders, limiter),
    authorizeMetrics: security.metricsRequireAuth ? metricsAccess(authenticateHeaders, limiter) : undefined,
  };
}
