import { readFileSync } from "node:fs";
import { pinnedKey, type PinnedKey, type VerificationKeyMaterial } from "../adapters/jwt/verification-key.js";

export type { PinnedKey };
import type { Config, ConfigVariable } from "../config/config.js";
import { configurationError } from "../config/config-error.js";
import type { VerificationKeySource } from "../config/security-config.js";

/** The settings of authentication, /metrics and rate limits, which `serve` has and `dev` has not. */
export const accessVariables: ConfigVariable[] = [
  "AUTH_JWT_PUBLIC_KEY_FILE",
  "AUTH_JWKS_FILE",
  "AUTH_ISSUER",
  "AUTH_AUDIENCE",
  "AUTH_MAX_TOKEN_AGE",
  "METRICS_REQUIRE_AUTH",
  "RATE_LIMIT_POINTS",
  "RATE_LIMIT_DURATION",
];

/** What a dev server without a key logs once it serves. */
export const openAccessWarning =
  "no token verification key (AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE): serving WITHOUT authentication, every caller may do everything";

/**
 * What a dev server with a key but without AUTH_ISSUER or AUTH_AUDIENCE logs
 * once it serves; undefined when both are set (or there is no key).
 */
export function unpinnedClaimsWarning(config: Config): string | undefined {
  const unpinned = unpinnedClaims(config);
  if (unpinned.length === 0) return undefined;
  return `${unpinned.join(" and ")} unset: tokens of any issuer or audience are accepted`;
}

// Without both, a token the same identity provider issued for another
// service (or another tenant's token, with a shared key) would pass here.
function unpinnedClaims(config: Config): ConfigVariable[] {
  const auth = config.security.auth;
  if (auth === undefined) return [];
  const unpinned: ConfigVariable[] = [];
  if (auth.issuer === undefined) unpinned.push("AUTH_ISSUER");
  if (auth.audience === undefined) unpinned.push("AUTH_AUDIENCE");
  return unpinned;
}

/**
 * The verification key `serve` runs with (prod: only with AUTH_ISSUER and
 * AUTH_AUDIENCE), or undefined to serve open, which
 * only dev allows: in prod an unprotected patient calendar is a mistake to
 * stop at, not to warn about.
 */
export function serveVerificationKey(config: Config): PinnedKey | undefined {
  const auth = config.security.auth;
  if (auth === undefined) {
    if (config.appEnv === "prod") {
      throw configurationError(
        "AUTH_JWT_SECRET",
        "APP_ENV=prod needs a token verification key: set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE",
      );
    }
    return undefined;
  }
  const { variable, material } = readKeyMaterial(auth.key);
  let key: PinnedKey;
  try {
    key = pinnedKey(material);
  } catch (error) {
    throw configurationError(variable, `${variable}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const unpinned = unpinnedClaims(config);
  if (unpinned.length > 0 && config.appEnv === "prod") {
    throw configurationError(
      unpinned[0]!,
      `APP_ENV=prod needs AUTH_ISSUER and AUTH_AUDIENCE with a verification key: set ${unpinned.join(" and ")}`,
    );
  }
  return key;
}

function readKeyMaterial(source: VerificationKeySource): { variable: ConfigVariable; material: VerificationKeyMaterial } {
  switch (source.kind) {
    case "secret":
      return { variable: "AUTH_JWT_SECRET", material: { kind: "secret", secret: source.secret } };
    case "public-key-file":
      return {
        variable: "AUTH_JWT_PUBLIC_KEY_FILE",
        material: { kind: "public-key", pem: readText("AUTH_JWT_PUBLIC_KEY_FILE", source.file) },
      };
    case "jwks-file":
      return { variable: "AUTH_JWKS_FILE", material: { kind: "jwks", jwks: readJson("AUTH_JWKS_FILE", source.file) } };
  }
}

function readText(variable: ConfigVariable, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw configurationError(variable, `${variable}: cannot read ${file} (${(error as { code?: string }).code ?? "unreadable"})`);
  }
}

function readJson(variable: ConfigVariable, file: string): unknown {
  const text = readText(variable, file);
  try {
    return JSON.parse(text);
  } catch {
    throw configurationError(variable, `${variable}: ${file} is not JSON (expected a JSON Web Key Set: {"keys":[…]})`);
  }
}
