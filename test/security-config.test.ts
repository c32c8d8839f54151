import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SchedError } from "../src/core/errors.js";
import { loadConfig } from "../src/config/config.js";

const secret = "s".repeat(32);

function security(env: Record<string, string>) {
  return loadConfig({ env, cwd: mkdtempSync(path.join(os.tmpdir(), "sched-security-config-")) }).security;
}

function failure(env: Record<string, string>): SchedError {
  try {
    security(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SchedError);
    expect((error as SchedError).code).toBe("invalid_configuration");
    return error as SchedError;
  }
  throw new Error("expected an invalid_configuration SchedError");
}

describe("authentication settings", () => {
  it("runs open without a key, and reads each kind of key with the issuer and audience", () => {
    expect(security({}).auth).toBeUndefined();
    expect(security({ AUTH_JWT_SECRET: secret, AUTH_ISSUER: "https://idp", AUTH_AUDIENCE: "sched" }).auth).toEqual({
      key: { kind: "secret", secret },
      issuer: "https://idp",
      audience: "sched",
      maxTokenAgeSeconds: 86_400,
    });
    expect(security({ AUTH_JWT_PUBLIC_KEY_FILE: "/keys/idp.pem" }).auth?.key).toEqual({ kind: "public-key-file", file: "/keys/idp.pem" });
    expect(security({ AUTH_JWKS_FILE: "/keys/jwks.json" }).auth?.key).toEqual({ kind: "jwks-file", file: "/keys/jwks.json" });
  });

  it("refuses two keys, a short secret (without echoing it), and an issuer or audience without a key", () => {
    expect(failure({ AUTH_JWT_SECRET: secret, AUTH_JWKS_FILE: "/k.json" }).message).toBe(
      "set only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE and AUTH_JWKS_FILE",
    );
    const short = failure({ AUTH_JWT_SECRET: "hunter2" });
    expect(short.variable).toBe("AUTH_JWT_SECRET");
    expect(short.message).not.toContain("hunter2");
    expect(failure({ AUTH_AUDIENCE: "sched" }).variable).toBe("AUTH_AUDIENCE");
    expect(failure({ AUTH_ISSUER: "https://idp" }).variable).toBe("AUTH_ISSUER");
  });

  it("caps token age at AUTH_MAX_TOKEN_AGE, 24h unless set, in whole seconds", () => {
    expect(security({ AUTH_JWT_SECRET: secret, AUTH_MAX_TOKEN_AGE: "8h" }).auth?.maxTokenAgeSeconds).toBe(28_800);
    expect(failure({ AUTH_JWT_SECRET: secret, AUTH_MAX_TOKEN_AGE: "soon" }).variable).toBe("AUTH_MAX_TOKEN_AGE");
    expect(failure({ AUTH_JWT_SECRET: secret, AUTH_MAX_TOKEN_AGE: "500ms" }).variable).toBe("AUTH_MAX_TOKEN_AGE");
  });

  it("protects /metrics only when asked, and only with a key", () => {
    expect(security({}).metricsRequireAuth).toBe(false);
    expect(security({ AUTH_JWT_SECRET: secret, METRICS_REQUIRE_AUTH: "true" }).metricsRequireAuth).toBe(true);
    expect(failure({ METRICS_REQUIRE_AUTH: "true" }).message).toContain("METRICS_REQUIRE_AUTH=true needs a verification key");
    expect(failure({ METRICS_REQUIRE_AUTH: "yes" }).variable).toBe("METRICS_REQUIRE_AUTH");
  });

  it("protects /metrics by default in production, unless told otherwise", () => {
    expect(security({ APP_ENV: "prod", AUTH_JWT_SECRET: secret }).metricsRequireAuth).toBe(true);
    expect(security({ APP_ENV: "prod", AUTH_JWT_SECRET: secret, METRICS_REQUIRE_AUTH: "false" }).metricsRequireAuth).toBe(false);
    expect(security({ APP_ENV: "dev", AUTH_JWT_SECRET: secret }).metricsRequireAuth).toBe(false);
    // Commands that need no key (migrate, seed) still load a production configuration.
    expect(security({ APP_ENV: "prod" }).metricsRequireAuth).toBe(false);
  });
});

describe("rate-limit settings", () => {
  it("defaults to 100 requests a second, reads other limits, and is off at 0", () => {
    expect(security({}).rateLimit).toEqual({ points: 100, durationSeconds: 1 });
    expect(security({ RATE_LIMIT_POINTS: "600", RATE_LIMIT_DURATION: "1m" }).rateLimit).toEqual({ points: 600, durationSeconds: 60 });
    expect(security({ RATE_LIMIT_POINTS: "0" }).rateLimit).toBeUndefined();
  });

  it.each([
    [{ RATE_LIMIT_POINTS: "-1" }, "RATE_LIMIT_POINTS"],
    [{ RATE_LIMIT_POINTS: "lots" }, "RATE_LIMIT_POINTS"],
    [{ RATE_LIMIT_DURATION: "500ms" }, "RATE_LIMIT_DURATION"],
    [{ RATE_LIMIT_DURATION: "1.5s" }, "RATE_LIMIT_DURATION"],
  ])("refuses %j", (env, variable) => {
    expect(failure(env).variable).toBe(variable);
  });
});

describe("client settings", () => {
  it("reads SCHED_TOKEN and SCHED_CA_FILE for the client commands", () => {
    const config = loadConfig({ env: { SCHED_TOKEN: "t.o.k", SCHED_CA_FILE: "/ca.pem" }, cwd: mkdtempSync(path.join(os.tmpdir(), "sched-client-config-")) });
    expect(config.client).toEqual({ token: "t.o.k", caFile: "/ca.pem" });
  });
});
