import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SchedError } from "../src/core/errors.js";
import { configFlags, flagsFromOptions, loadConfig, type LoadConfigOptions } from "../src/config/config.js";
import { parseDuration } from "../src/config/duration.js";

const createdDirs: string[] = [];

afterAll(() => {
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

function emptyDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "sched-config-"));
  createdDirs.push(dir);
  return dir;
}

function dirWithDotEnv(contents: string): string {
  const dir = emptyDir();
  writeFileSync(path.join(dir, ".env"), contents);
  return dir;
}

/** Loads with an explicit environment and a fresh directory, so neither the real process.env nor a .env in the repo leaks in. */
function load(options: LoadConfigOptions = {}) {
  return loadConfig({ env: {}, cwd: emptyDir(), ...options });
}

function configErrorOf(options: LoadConfigOptions): SchedError {
  try {
    load(options);
  } catch (error) {
    expect(error).toBeInstanceOf(SchedError);
    expect((error as SchedError).code).toBe("invalid_configuration");
    return error as SchedError;
  }
  throw new Error("expected an invalid_configuration SchedError");
}

describe("parseDuration", () => {
  it.each([
    ["10m", 600_000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["1.5h", 5_400_000],
    ["2h45m", 9_900_000],
    ["1.1s", 1100],
    [".5s", 500],
    ["1500us", 1.5],
    ["1500µs", 1.5],
    ["2000000ns", 2],
    ["30", 30_000],
    ["0.5", 500],
    ["5", 5000],
    ["0", 0],
    ["0s", 0],
  ])("reads %j as %d ms", (text, milliseconds) => {
    expect(parseDuration(text)).toBe(milliseconds);
  });

  it.each(["", "1h2x", "-5s", "10 foo", "1 m", " 10m", "10m ", "ten minutes", "1.s", "1e3s", "1,000s", "10M", "1d", "h", "+5s"])(
    "rejects %j",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe("loadConfig defaults", () => {
  it("fills every setting but POSTGRES_DSN", () => {
    expect(load()).toEqual({
      postgresDsn: undefined,
      postgresConnectTimeoutMs: 2000,
      postgresQueryTimeoutMs: 5000,
      redis: { url: "redis://127.0.0.1:6379" },
      appEnv: "dev",
      httpPort: 8080,
      appointmentTtlMs: 600_000,
      waitlistOfferTtlMs: 900_000,
      maxActiveHoldsPerPatient: 3,
      overbookLimit: 1,
      slotHorizonDays: 730,
      scheduleHorizonMs: 1344 * 60 * 60 * 1000,
      healthWatchLimits: { perConnection: 10, perAddress: 100 },
      watchBuffer: 1000,
      watchStreamsPerAddress: 100,
      eventFeedPollMs: 2000,
      webhooks: { maxAttempts: 10, timeoutMs: 10_000, retryBaseMs: 5000, allowPrivateTargets: false },
      lockTtlMs: 5000,
      shutdownTimeoutMs: 10_000,
      workerIntervalMs: 60_000,
      security: { auth: undefined, metricsRequireAuth: false, rateLimit: { points: 100, durationSeconds: 1 } },
      client: { token: undefined, caFile: undefined },
    });
  });

  it("treats empty values as unset", () => {
    const env = Object.fromEntries(configFlags.map(({ variable }) => [variable, ""]));
    expect(load({ env })).toEqual(load());
  });

  it("falls through an empty value to the next source", () => {
    const cwd = dirWithDotEnv("HTTP_PORT=9001\n");
    expect(load({ cwd, env: { HTTP_PORT: "" }, flags: { HTTP_PORT: "" } }).httpPort).toBe(9001);
  });

  it("ignores undefined flags", () => {
    expect(load({ env: { HTTP_PORT: "9002" }, flags: { HTTP_PORT: undefined } }).httpPort).toBe(9002);
  });
});

describe("loadConfig sources", () => {
  it("reads the .env file in cwd", () => {
    const cwd = dirWithDotEnv(
      "APP_ENV=prod\nHTTP_PORT=9000\nAPPOINTMENT_TTL=15m\nLOCK_TTL=2s\nSHUTDOWN_TIMEOUT=30s\nWORKER_INTERVAL=30\n" +
        "POSTGRES_DSN=postgres://u:p@db:5432/sched\nPOSTGRES_CONNECT_TIMEOUT=500ms\nPOSTGRES_QUERY_TIMEOUT=30s\n" +
        "REDIS_ADDR=redis.internal:6380\n",
    );
    expect(load({ cwd })).toEqual({
      postgresDsn: "postgres://u:p@db:5432/sched",
      postgresConnectTimeoutMs: 500,
      postgresQueryTimeoutMs: 30_000,
      redis: { url: "redis://redis.internal:6380" },
      appEnv: "prod",
      httpPort: 9000,
      appointmentTtlMs: 900_000,
      waitlistOfferTtlMs: 900_000,
      maxActiveHoldsPerPatient: 3,
      overbookLimit: 1,
      slotHorizonDays: 730,
      scheduleHorizonMs: 1344 * 60 * 60 * 1000,
      healthWatchLimits: { perConnection: 10, perAddress: 100 },
      watchBuffer: 1000,
      watchStreamsPerAddress: 100,
      eventFeedPollMs: 2000,
      webhooks: { maxAttempts: 10, timeoutMs: 10_000, retryBaseMs: 5000, allowPrivateTargets: false },
      lockTtlMs: 2000,
      shutdownTimeoutMs: 30_000,
      workerIntervalMs: 30_000,
      security: { auth: undefined, metricsRequireAuth: false, rateLimit: { points: 100, durationSeconds: 1 } },
      client: { token: undefined, caFile: undefined },
    });
  });

  it("lets flags win over the environment, and the environment over .env", () => {
    const cwd = dirWithDotEnv("HTTP_PORT=9000\nAPP_ENV=prod\nLOCK_TTL=1s\n");
    const config = load({ cwd, env: { HTTP_PORT: "9001", APP_ENV: "dev" }, flags: { HTTP_PORT: "9002" } });
    expect(config.httpPort).toBe(9002);
    expect(config.appEnv).toBe("dev");
    expect(config.lockTtlMs).toBe(1000);
  });

  it("leaves process.env alone", () => {
    const cwd = dirWithDotEnv("SCHED_CONFIG_TEST_MARKER=1\n");
    load({ cwd });
    expect(process.env.SCHED_CONFIG_TEST_MARKER).toBeUndefined();
  });

  it("accepts a missing .env", () => {
    expect(() => load({ cwd: emptyDir() })).not.toThrow();
  });

  it("names .env when it cannot be read", () => {
    const cwd = emptyDir();
    mkdirSync(path.join(cwd, ".env"));
    const error = configErrorOf({ cwd });
    expect(error.variable).toBe(".env");
    expect(error.message).toMatch(/^\.env: cannot read .*\.env: /);
  });

  it("accepts HTTP_PORT 0 and 65535", () => {
    expect(load({ env: { HTTP_PORT: "0" } }).httpPort).toBe(0);
    expect(load({ env: { HTTP_PORT: "65535" } }).httpPort).toBe(65535);
  });
});

describe("POSTGRES_DSN", () => {
  it.each(["postgres://u:p@db/sched", "postgresql://db/sched", "host=localhost dbname=sched"])("accepts %j", (dsn) => {
    expect(load({ env: { POSTGRES_DSN: dsn } }).postgresDsn).toBe(dsn);
  });

  it("is required only when asked", () => {
    const error = configErrorOf({ required: ["POSTGRES_DSN"] });
    expect(error.variable).toBe("POSTGRES_DSN");
    expect(error.message).toBe(
      "POSTGRES_DSN is required: set it in the environment, in .env or with --postgres-dsn",
    );
  });

  it("counts an empty value as missing", () => {
    expect(configErrorOf({ env: { POSTGRES_DSN: "" }, required: ["POSTGRES_DSN"] }).variable).toBe("POSTGRES_DSN");
  });

  it("rejects a malformed value without echoing it", () => {
    const error = configErrorOf({ env: { POSTGRES_DSN: "mysql://u:secret@db/sched" } });
    expect(error.variable).toBe("POSTGRES_DSN");
    expect(error.message).toBe(
      "POSTGRES_DSN is not a PostgreSQL connection string (examples: postgres://user:password@host:5432/sched, host=localhost dbname=sched)",
    );
  });
});

describe("Redis", () => {
  it.each([
    ["redis://cache:6379/2", "redis://cache:6379/2"],
    ["rediss://user:pw@cache:6380", "rediss://user:pw@cache:6380"],
    ["redis://cache", "redis://cache"],
    ["cache:6379", "redis://cache:6379"],
    ["[::1]:6379", "redis://[::1]:6379"],
  ])("reads REDIS_URL %j as %j", (redisUrl, url) => {
    expect(load({ env: { REDIS_URL: redisUrl } }).redis.url).toBe(url);
  });

  it("prefers REDIS_URL over REDIS_ADDR", () => {
    expect(load({ env: { REDIS_URL: "redis://a:1", REDIS_ADDR: "b:2" } }).redis.url).toBe("redis://a:1");
  });

  it("adds a percent-encoded username and password to REDIS_ADDR", () => {
    const username = "ops@team";
    const password = "p%ss:w/rd@#? ü";
    const url = load({ env: { REDIS_ADDR: "cache:6379", REDIS_USERNAME: username, REDIS_PASSWORD: password } }).redis.url;
    expect(url).toBe("redis://ops%40team:p%25ss%3Aw%2Frd%40%23%3F%20%C3%BC@cache:6379");
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.username)).toBe(username);
    expect(decodeURIComponent(parsed.password)).toBe(password);
  });

  it("adds only a password when no username is given", () => {
    expect(load({ env: { REDIS_PASSWORD: "s3cret" } }).redis.url).toBe("redis://:s3cret@127.0.0.1:6379");
  });

  it("keeps credentials already in REDIS_URL", () => {
    const env = { REDIS_URL: "redis://alice:pw@cache:6379", REDIS_USERNAME: "bob", REDIS_PASSWORD: "other" };
    expect(load({ env }).redis.url).toBe("redis://alice:pw@cache:6379");
  });

  it.each(["cache", "cache:0", "cache:65536", "cache:port", ":6379", "user@cache:6379", "cache:6379/0", "a b:6379"])(
    "rejects REDIS_ADDR %j",
    (address) => {
      const error = configErrorOf({ env: { REDIS_ADDR: address } });
      expect(error.variable).toBe("REDIS_ADDR");
      expect(error.message).toBe(`REDIS_ADDR: ${JSON.stringify(address)} is not host:port (example: 127.0.0.1:6379)`);
    },
  );

  it.each(["redis://", "redis://:6379", "redis://cache:99999", "redis://cache:0", "http://cache:6379", "cache", "cache:x"])(
    "rejects REDIS_URL %j without echoing it",
    (redisUrl) => {
      const error = configErrorOf({ env: { REDIS_URL: redisUrl } });
      expect(error.variable).toBe("REDIS_URL");
      expect(error.message).toBe(
        "REDIS_URL is not a Redis URL (examples: redis://127.0.0.1:6379, rediss://user:password@host:6380/0, 127.0.0.1:6379)",
      );
    },
  );

  it("reads REDIS_CLUSTER_NODES as the cluster's start-up nodes, keeping the credentials of the Redis settings", () => {
    const redis = load({ env: { REDIS_CLUSTER_NODES: "10.0.0.1:7001, 10.0.0.2:7002,[::1]:7003", REDIS_PASSWORD: "pw" } }).redis;
    expect(redis).toEqual({
      url: "redis://:pw@127.0.0.1:6379",
      clusterNodes: [
        { host: "10.0.0.1", port: 7001 },
        { host: "10.0.0.2", port: 7002 },
        { host: "::1", port: 7003 },
      ],
    });
  });

  it.each([",", " , ", "10.0.0.1", "10.0.0.1:7001,cache", "redis://10.0.0.1:7001", "10.0.0.1:0"])(
    "rejects REDIS_CLUSTER_NODES %j",
    (nodes) => {
      const error = configErrorOf({ env: { REDIS_CLUSTER_NODES: nodes } });
      expect(error.variable).toBe("REDIS_CLUSTER_NODES");
      expect(error.message).toBe(
        "REDIS_CLUSTER_NODES is not a list of host:port (example: 10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379)",
      );
    },
  );
});

describe("malformed values", () => {
  it.each(["staging", "DEV", "production"])("rejects APP_ENV %j", (value) => {
    const error = configErrorOf({ env: { APP_ENV: value } });
    expect(error.variable).toBe("APP_ENV");
    expect(error.message).toBe(`APP_ENV: ${JSON.stringify(value)} is neither dev nor prod`);
  });

  it.each(["65536", "-1", "80.5", "http", " 80", "123456"])("rejects HTTP_PORT %j", (value) => {
    const error = configErrorOf({ env: { HTTP_PORT: value } });
    expect(error.variable).toBe("HTTP_PORT");
    expect(error.message).toBe(`HTTP_PORT: ${JSON.stringify(value)} is not a port (an integer from 0 to 65535)`);
  });

  const durationVariables = [
    "APPOINTMENT_TTL",
    "WAITLIST_OFFER_TTL",
    "LOCK_TTL",
    "SHUTDOWN_TIMEOUT",
    "WORKER_INTERVAL",
    "POSTGRES_CONNECT_TIMEOUT",
    "POSTGRES_QUERY_TIMEOUT",
  ] as const;

  describe.each(durationVariables)("%s", (variable) => {
    it.each(["ten minutes", "1h2x", "-5s", "10 foo"])("rejects %j", (value) => {
      const error = configErrorOf({ env: { [variable]: value } });
      expect(error.variable).toBe(variable);
      expect(error.message).toBe(
        `${variable}: ${JSON.stringify(value)} is not a duration (examples: 10m, 1m30s, 500ms, 30)`,
      );
    });

    it.each(["0s", "0"])("rejects the zero duration %j", (value) => {
      const error = configErrorOf({ env: { [variable]: value } });
      expect(error.variable).toBe(variable);
      expect(error.message).toBe(`${variable}: ${JSON.stringify(value)} must be longer than zero`);
    });
  });

  it("reports a malformed flag under its variable name", () => {
    expect(configErrorOf({ flags: { LOCK_TTL: "soon" } }).variable).toBe("LOCK_TTL");
  });
});

describe("booking limits", () => {
  it("reads the patient's hold cap (0: no cap) and the slot horizon in days", () => {
    expect(load({ env: { MAX_ACTIVE_HOLDS_PER_PATIENT: "0", SLOT_HORIZON_DAYS: "90" } })).toMatchObject({
      maxActiveHoldsPerPatient: 0,
      slotHorizonDays: 90,
    });
  });

  it("reads the overbooking limit, 1 place per slot unless set (0: none)", () => {
    expect(load({ env: {} }).overbookLimit).toBe(1);
    expect(load({ env: { OVERBOOK_LIMIT: "0" } }).overbookLimit).toBe(0);
    expect(load({ env: { OVERBOOK_LIMIT: "3" } }).overbookLimit).toBe(3);
  });

  it.each([
    ["MAX_ACTIVE_HOLDS_PER_PATIENT", "-1"],
    ["MAX_ACTIVE_HOLDS_PER_PATIENT", "three"],
    ["OVERBOOK_LIMIT", "-1"],
    ["SLOT_HORIZON_DAYS", "0"],
    ["SLOT_HORIZON_DAYS", "2y"],
    ["HEALTH_WATCH_MAX_PER_CONNECTION", "0"],
    ["HEALTH_WATCH_MAX_PER_ADDRESS", "many"],
  ])("refuses %s=%s, naming the variable", (variable, value) => {
    expect(() => load({ env: { [variable]: value } })).toThrow(new RegExp(`^${variable}: "${value}" is not a whole number`));
  });
});

describe("command-line flags", () => {
  it("derives a kebab-case flag for every variable but AUTH_JWT_SECRET, which would show in the process list", () => {
    expect(configFlags.map(({ variable, flag }) => [variable, flag])).toEqual([
      ["POSTGRES_DSN", "--postgres-dsn"],
      ["POSTGRES_CONNECT_TIMEOUT", "--postgres-connect-timeout"],
      ["POSTGRES_QUERY_TIMEOUT", "--postgres-query-timeout"],
      ["REDIS_URL", "--redis-url"],
      ["REDIS_CLUSTER_NODES", "--redis-cluster-nodes"],
      ["REDIS_ADDR", "--redis-addr"],
      ["REDIS_USERNAME", "--redis-username"],
      ["REDIS_PASSWORD", "--redis-password"],
      ["APP_ENV", "--app-env"],
      ["HTTP_PORT", "--http-port"],
      ["APPOINTMENT_TTL", "--appointment-ttl"],
      ["WAITLIST_OFFER_TTL", "--waitlist-offer-ttl"],
      ["MAX_ACTIVE_HOLDS_PER_PATIENT", "--max-active-holds-per-patient"],
      ["OVERBOOK_LIMIT", "--overbook-limit"],
      ["SLOT_HORIZON_DAYS", "--slot-horizon-days"],
      ["SCHEDULE_HORIZON", "--schedule-horizon"],
      ["HEALTH_WATCH_MAX_PER_CONNECTION", "--health-watch-max-per-connection"],
      ["HEALTH_WATCH_MAX_PER_ADDRESS", "--health-watch-max-per-address"],
      ["WATCH_BUFFER", "--watch-buffer"],
      ["WATCH_STREAMS_PER_ADDRESS", "--watch-streams-per-address"],
      ["EVENT_FEED_POLL", "--event-feed-poll"],
      ["WEBHOOK_MAX_ATTEMPTS", "--webhook-max-attempts"],
      ["WEBHOOK_TIMEOUT", "--webhook-timeout"],
      ["WEBHOOK_RETRY_BASE", "--webhook-retry-base"],
      ["WEBHOOK_ALLOW_PRIVATE_TARGETS", "--webhook-allow-private-targets"],
      ["LOCK_TTL", "--lock-ttl"],
      ["SHUTDOWN_TIMEOUT", "--shutdown-timeout"],
      ["WORKER_INTERVAL", "--worker-interval"],
      ["TLS_CERT_FILE", "--tls-cert-file"],
      ["TLS_KEY_FILE", "--tls-key-file"],
      ["AUTH_JWT_PUBLIC_KEY_FILE", "--auth-jwt-public-key-file"],
      ["AUTH_JWKS_FILE", "--auth-jwks-file"],
      ["AUTH_ISSUER", "--auth-issuer"],
      ["AUTH_AUDIENCE", "--auth-audience"],
      ["AUTH_MAX_TOKEN_AGE", "--auth-max-token-age"],
      ["METRICS_REQUIRE_AUTH", "--metrics-require-auth"],
      ["RATE_LIMIT_POINTS", "--rate-limit-points"],
      ["RATE_LIMIT_DURATION", "--rate-limit-duration"],
      ["SCHED_TOKEN", "--sched-token"],
      ["SCHED_CA_FILE", "--sched-ca-file"],
    ]);
  });

  it("serves cleartext without TLS files, TLS with both, and stops at one without the other", () => {
    expect(loadConfig({ env: {}, cwd: emptyDirForTls() }).tls).toBeUndefined();
    expect(loadConfig({ env: { TLS_CERT_FILE: "cert.pem", TLS_KEY_FILE: "key.pem" }, cwd: emptyDirForTls() }).tls).toEqual({
      certFile: "cert.pem",
      keyFile: "key.pem",
    });
    expect(() => loadConfig({ env: { TLS_CERT_FILE: "cert.pem" }, cwd: emptyDirForTls() })).toThrow(
      "TLS_KEY_FILE is required when TLS_CERT_FILE is set",
    );
    expect(() => loadConfig({ env: {}, flags: { TLS_KEY_FILE: "key.pem" }, cwd: emptyDirForTls() })).toThrow(
      "TLS_CERT_FILE is required when TLS_KEY_FILE is set",
    );
  });

  it("mentions the variable and its default in the description", () => {
    const appointmentTtl = configFlags.find(({ variable }) => variable === "APPOINTMENT_TTL");
    expect(appointmentTtl?.description).toBe("how long a pending hold lasts (APPOINTMENT_TTL, default 10m)");
    const dsn = configFlags.find(({ variable }) => variable === "POSTGRES_DSN");
    expect(dsn?.description).toBe("PostgreSQL connection string (POSTGRES_DSN)");
  });

  it("maps commander's camelCase options back to variable names", () => {
    const flags = flagsFromOptions({
      postgresDsn: "postgres://db/sched",
      redisUrl: "redis://cache:6379",
      redisAddr: "cache:6379",
      redisUsername: "user",
      redisPassword: "pw",
      appEnv: "prod",
      httpPort: 9000,
      appointmentTtl: "5m",
      lockTtl: "2s",
      shutdownTimeout: "20s",
      workerInterval: "30s",
      once: true,
      json: undefined,
    });
    expect(flags).toEqual({
      POSTGRES_DSN: "postgres://db/sched",
      REDIS_URL: "redis://cache:6379",
      REDIS_ADDR: "cache:6379",
      REDIS_USERNAME: "user",
      REDIS_PASSWORD: "pw",
      APP_ENV: "prod",
      HTTP_PORT: "9000",
      APPOINTMENT_TTL: "5m",
      LOCK_TTL: "2s",
      SHUTDOWN_TIMEOUT: "20s",
      WORKER_INTERVAL: "30s",
    });
  });

  it("leaves out options that were not given", () => {
    expect(flagsFromOptions({ httpPort: undefined, appEnv: "prod" })).toEqual({ APP_ENV: "prod" });
  });

  it("feeds loadConfig", () => {
    expect(load({ flags: flagsFromOptions({ httpPort: "0", lockTtl: "250ms" }) })).toMatchObject({
      httpPort: 0,
      lockTtlMs: 250,
    });
  });
});

function emptyDirForTls(): string {
  return mkdtempSync(path.join(os.tmpdir(), "sched-config-tls-"));
}
