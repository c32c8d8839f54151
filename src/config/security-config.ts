import type { AppEnv, ConfigVariable, Lookup, SecurityVariable } from "./config-variable.js";
import { configurationError } from "./config-error.js";
import { readDuration } from "./duration.js";

/** Where the key that verifies bearer tokens comes from; exactly one kind is configured. */
export type VerificationKeySource =
  | { kind: "secret"; secret: string }
  | { kind: "public-key-file"; file: string }
  | { kind: "jwks-file"; file: string };

export interface AuthConfig {
  key: VerificationKeySource;
  issuer: string | undefined;
  audience: string | undefined;
  /** The oldest token (by its iat) accepted, whatever its exp says. */
  maxTokenAgeSeconds: number;
}

export interface RateLimitConfig {
  /** Requests each caller (or client IP without a valid token) may make per window. */
  points: number;
  durationSeconds: number;
}

export interface SecurityConfig {
  /** Undefined: no key, so the server runs open (refused with APP_ENV=prod). */
  auth: AuthConfig | undefined;
  metricsRequireAuth: boolean;
  /** Undefined when RATE_LIMIT_POINTS is 0. */
  rateLimit: RateLimitConfig | undefined;
}

export interface ClientConfig {
  token: string | undefined;
  caFile: string | undefined;
}


export const securityDefaults = {
  AUTH_MAX_TOKEN_AGE: "24h",
  RATE_LIMIT_POINTS: "100",
  RATE_LIMIT_DURATION: "1s",
} as const satisfies Partial<Record<SecurityVariable, string>>;

export const securityMeanings: Record<SecurityVariable, string> = {
  AUTH_JWT_SECRET: "HS256 secret that verifies bearer tokens, at least 32 characters",
  AUTH_JWT_PUBLIC_KEY_FILE: "PEM public key (RSA, EC or Ed25519) that verifies bearer tokens",
  AUTH_JWKS_FILE: "JSON Web Key Set file whose keys verify bearer tokens",
  AUTH_ISSUER: "the iss every token must carry",
  AUTH_AUDIENCE: "the aud every token must carry",
  AUTH_MAX_TOKEN_AGE: "the oldest token accepted, counted from its iat (required), whatever its exp; the longest sched token --ttl",
  METRICS_REQUIRE_AUTH: "true: /metrics needs a staff or service token (default true with APP_ENV=prod, false otherwise)",
  RATE_LIMIT_POINTS: "requests per caller (or per IP without a valid token) per RATE_LIMIT_DURATION; 0 disables",
  RATE_LIMIT_DURATION: "the rate-limit window, whole seconds",
  SCHED_TOKEN: "bearer token the client commands send",
  SCHED_CA_FILE: "PEM CA certificate(s) the client commands trust for https:// URLs",
};

// RFC 7518 section 3.2: an HS256 key must be at least as long as the hash.
const minimumSecretLength = 32;

export function securityConfig(valueOf: Lookup, appEnv: AppEnv): SecurityConfig {
  const valueOrDefault = (variable: keyof typeof securityDefaults): string => valueOf(variable) ?? securityDefaults[variable];
  const auth = authConfig(valueOf, readDuration("seconds setting", "AUTH_MAX_TOKEN_AGE", valueOrDefault("AUTH_MAX_TOKEN_AGE")) / 1000);
  const metricsSetting = valueOf("METRICS_REQUIRE_AUTH");
  // Production keeps its metrics (process details, traffic by procedure) to
  // staff and services unless told otherwise. Without a key the default stays
  // open: serve refuses APP_ENV=prod without one anyway, and the commands that
  // need no key (migrate, seed) must not fail over a setting they never use.
  const metricsRequireAuth =
    metricsSetting === undefined ? appEnv === "prod" && auth !== undefined : booleanSetting("METRICS_REQUIRE_AUTH", metricsSetting);
  if (metricsRequireAuth && auth === undefined) {
    throw configurationError(
      "METRICS_REQUIRE_AUTH",
      "METRICS_REQUIRE_AUTH=true needs a verification key: set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE",
    );
  }
  const points = rateLimitPoints(valueOrDefault("RATE_LIMIT_POINTS"));
  const durationSeconds = readDuration("seconds setting", "RATE_LIMIT_DURATION", valueOrDefault("RATE_LIMIT_DURATION")) / 1000;
  return { auth, metricsRequireAuth, rateLimit: points === 0 ? undefined : { points, durationSeconds } };
}

export function clientConfig(valueOf: Lookup): ClientConfig {
  return { token: valueOf("SCHED_TOKEN"), caFile: valueOf("SCHED_CA_FILE") };
}

function authConfig(valueOf: Lookup, maxTokenAgeSeconds: number): AuthConfig | undefined {
  const sources: VerificationKeySource[] = [];
  const secret = valueOf("AUTH_JWT_SECRET");
  const publicKeyFile = valueOf("AUTH_JWT_PUBLIC_KEY_FILE");
  const jwksFile = valueOf("AUTH_JWKS_FILE");
  if (secret !== undefined) sources.push({ kind: "secret", secret: checkedSecret(secret) });
  if (publicKeyFile !== undefined) sources.push({ kind: "public-key-file", file: publicKeyFile });
  if (jwksFile !== undefined) sources.push({ kind: "jwks-file", file: jwksFile });
  // Two keys would mean two sets of accepted algorithms: one of them is a mistake.
  if (sources.length > 1) {
    throw configurationError(
      "AUTH_JWT_SECRET",
      "set only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE and AUTH_JWKS_FILE",
    );
  }
  const [key] = sources;
  const issuer = valueOf("AUTH_ISSUER");
  const audience = valueOf("AUTH_AUDIENCE");
  if (key === undefined) {
    const orphan = issuer === undefined ? (audience === undefined ? undefined : "AUTH_AUDIENCE") : "AUTH_ISSUER";
    if (orphan !== undefined) {
      throw configurationError(orphan, `${orphan} needs a verification key: set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE`);
    }
    return undefined;
  }
  return { key, issuer, audience, maxTokenAgeSeconds };
}

// The secret itself is never echoed.
function checkedSecret(secret: string): string {
  if (secret.length >= minimumSecretLength) return secret;
  throw configurationError(
    "AUTH_JWT_SECRET",
    `AUTH_JWT_SECRET is too short: HS256 needs at least ${minimumSecretLength} characters (for example: openssl rand -base64 48)`,
  );
}

export function booleanSetting(variable: ConfigVariable, text: string): boolean {
  if (text === "true") return true;
  if (text === "false") return false;
  throw configurationError(variable, `${variable}: ${JSON.stringify(text)} is neither true nor false`);
}

function rateLimitPoints(text: string): number {
  if (/^\d{1,9}$/.test(text)) return Number(text);
  throw configurationError(
    "RATE_LIMIT_POINTS",
    `RATE_LIMIT_POINTS: ${JSON.stringify(text)} is not a whole number of requests (0 disables rate limiting)`,
  );
}
