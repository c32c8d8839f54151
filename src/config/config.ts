import { readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseDotEnv } from "dotenv";
import { configurationError } from "./config-error.js";
import { readDuration } from "./duration.js";
import {
  booleanSetting,
  clientConfig,
  securityConfig,
  securityDefaults,
  securityMeanings,
  type ClientConfig,
  type SecurityConfig,
} from "./security-config.js";
import { redisConfig, type RedisConfig } from "./redis-config.js";
import type { AppEnv, ConfigVariable, Lookup } from "./config-variable.js";

export type { AppEnv, ConfigVariable, Lookup };


export interface Config {
  postgresDsn: string | undefined;
  /** How long opening a PostgreSQL connection may take before the request fails as unavailable. */
  postgresConnectTimeoutMs: number;
  /** The longest one statement may run for `serve` and `expiry-worker`. */
  postgresQueryTimeoutMs: number;
  redis: RedisConfig;
  appEnv: AppEnv;
  httpPort: number;
  appointmentTtlMs: number;
  /** How long a waiting-list offer (a pending hold made for the next waiting patient) lasts. */
  waitlistOfferTtlMs: number;
  /** The most unexpired holds one patient may have at once; 0: no cap. */
  maxActiveHoldsPerPatient: number;
  /** The most places staff may add beyond one slot's capacity with an overbooking reason; 0: none. */
  overbookLimit: number;
  /** How far ahead of now a slot may start, in days. */
  slotHorizonDays: number;
  /** How far ahead of now a schedule's slots are made, in milliseconds. */
  scheduleHorizonMs: number;
  /** The most grpc.health.v1 Watch streams open at once on one connection, and from one client address. */
  healthWatchLimits: { perConnection: number; perAddress: number };
  /** The most events one WatchEvents or SSE stream may have waiting to be sent before it ends. */
  watchBuffer: number;
  /** The most WatchEvents and /events/stream streams open at once from one client address. */
  watchStreamsPerAddress: number;
  /** The event feed's safety poll: each process reads the log this often even when no notification came. */
  eventFeedPollMs: number;
  /** Webhook deliveries: tries before a delivery is dead, each try's timeout, the first retry's delay (doubling, with jitter), and whether prod admits http:// and private addresses. */
  webhooks: { maxAttempts: number; timeoutMs: number; retryBaseMs: number; allowPrivateTargets: boolean };
  lockTtlMs: number;
  shutdownTimeoutMs: number;
  workerIntervalMs: number;
  /** Both files, or undefined for cleartext (HTTP/1.1 and h2c). */
  tls: TlsConfig | undefined;
  /** Authentication, /metrics protection and rate limits of `serve`. */
  security: SecurityConfig;
  /** What the client commands send: a bearer token and a CA to trust. */
  client: ClientConfig;
}

export interface TlsConfig {
  certFile: string;
  keyFile: string;
}


export interface LoadConfigOptions {
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Where to look for .env; defaults to process.cwd(). */
  cwd?: string;
  /** Command-line values, already mapped to variable names; undefined entries are ignored. */
  flags?: Partial<Record<ConfigVariable, string | undefined>>;
  /** Variables that must be set, e.g. ["POSTGRES_DSN"] for serve and expiry-worker. */
  required?: ConfigVariable[];
}

export interface ConfigFlag {
  variable: ConfigVariable;
  /** The kebab-case command-line flag, e.g. "--postgres-dsn". */
  flag: string;
  description: string;
}

const defaults = {
  POSTGRES_CONNECT_TIMEOUT: "2s",
  POSTGRES_QUERY_TIMEOUT: "5s",
  REDIS_ADDR: "127.0.0.1:6379",
  APP_ENV: "dev",
  HTTP_PORT: "8080",
  APPOINTMENT_TTL: "10m",
  WAITLIST_OFFER_TTL: "15m",
  MAX_ACTIVE_HOLDS_PER_PATIENT: "3",
  OVERBOOK_LIMIT: "1",
  SLOT_HORIZON_DAYS: "730",
  SCHEDULE_HORIZON: "1344h",
  HEALTH_WATCH_MAX_PER_CONNECTION: "10",
  HEALTH_WATCH_MAX_PER_ADDRESS: "100",
  WATCH_BUFFER: "1000",
  WATCH_STREAMS_PER_ADDRESS: "100",
  EVENT_FEED_POLL: "2s",
  WEBHOOK_MAX_ATTEMPTS: "10",
  WEBHOOK_TIMEOUT: "10s",
  WEBHOOK_RETRY_BASE: "5s",
  WEBHOOK_ALLOW_PRIVATE_TARGETS: "false",
  LOCK_TTL: "5s",
  SHUTDOWN_TIMEOUT: "10s",
  WORKER_INTERVAL: "1m",
  ...securityDefaults,
} as const satisfies Partial<Record<ConfigVariable, string>>;

const meanings: Record<ConfigVariable, string> = {
  POSTGRES_DSN: "PostgreSQL connection string",
  POSTGRES_CONNECT_TIMEOUT: "how long opening a PostgreSQL connection may take before the request fails as unavailable",
  POSTGRES_QUERY_TIMEOUT: "the longest one SQL statement may run before it fails as unavailable",
  REDIS_URL: "Redis URL (redis://, rediss://) or host:port",
  REDIS_CLUSTER_NODES: "Redis Cluster nodes, host:port,host:port,...: use the cluster client instead of REDIS_URL's server",
  REDIS_ADDR: "Redis host:port, used when REDIS_URL is unset",
  REDIS_USERNAME: "Redis user name",
  REDIS_PASSWORD: "Redis password",
  APP_ENV: "dev or prod",
  HTTP_PORT: "the one port for REST, Connect, gRPC-Web and gRPC (0 picks a free port)",
  APPOINTMENT_TTL: "how long a pending hold lasts",
  WAITLIST_OFFER_TTL: "how long a waiting-list offer (the hold made for the next waiting patient when a place frees) lasts",
  MAX_ACTIVE_HOLDS_PER_PATIENT: "the most unexpired holds one patient may have at once, whoever booked them; 0: no cap",
  OVERBOOK_LIMIT: "the most places staff may add beyond one slot's capacity, each with an overbooking reason; 0: none",
  SLOT_HORIZON_DAYS: "how many days ahead a new slot may start",
  SCHEDULE_HORIZON: "how far ahead of now a schedule's slots are made (1344h: 8 weeks)",
  HEALTH_WATCH_MAX_PER_CONNECTION: "the most grpc.health.v1 Watch streams open at once on one connection",
  HEALTH_WATCH_MAX_PER_ADDRESS: "the most grpc.health.v1 Watch streams open at once from one client address",
  WATCH_BUFFER: "the most events one WatchEvents or /events/stream stream may have waiting to be sent; beyond it the stream ends with the position to resume from",
  WATCH_STREAMS_PER_ADDRESS: "the most WatchEvents and /events/stream streams open at once from one client address; beyond it a new one is refused with too_many_streams",
  EVENT_FEED_POLL: "how often each process reads the event log even without a notification",
  WEBHOOK_MAX_ATTEMPTS: "webhook-worker: tries of one delivery before it is dead-lettered",
  WEBHOOK_TIMEOUT: "webhook-worker: how long one delivery may take before it counts as failed",
  WEBHOOK_RETRY_BASE: "webhook-worker: the delay before a failed delivery's first retry; each retry doubles it (up to an hour), with jitter",
  WEBHOOK_ALLOW_PRIVATE_TARGETS: "true: with APP_ENV=prod, webhooks may also use http:// and loopback or private addresses (dev always may)",
  LOCK_TTL: "Redis slot-lock lifetime",
  SHUTDOWN_TIMEOUT: "graceful-shutdown drain time",
  WORKER_INTERVAL: "expiry-worker period",
  TLS_CERT_FILE: "PEM certificate (chain): serve HTTPS, with HTTP/2 and HTTP/1.1 by ALPN",
  TLS_KEY_FILE: "PEM private key of TLS_CERT_FILE",
  ...securityMeanings,
};

// A flag's value shows in the process list (ps, /proc/<pid>/cmdline) to
// every user of the machine: secrets are read from the environment or .env only.
const environmentOnly: readonly ConfigVariable[] = ["AUTH_JWT_SECRET"];

export const configFlags: readonly ConfigFlag[] = (Object.keys(meanings) as ConfigVariable[])
  .filter((variable) => !environmentOnly.includes(variable))
  .map((variable) => ({ variable, flag: flagOf(variable), description: describe(variable) }));

/** Converts commander's option object (postgresDsn, httpPort, ...) back to variable names. */
export function flagsFromOptions(opts: Record<string, unknown>): LoadConfigOptions["flags"] {
  const flags: Partial<Record<ConfigVariable, string>> = {};
  for (const { variable } of configFlags) {
    const value = opts[optionKeyOf(variable)];
    // Numbers too, in case a command parses a flag such as --http-port itself.
    if (typeof value === "string" || typeof value === "number") flags[variable] = String(value);
  }
  return flags;
}

/** Flags win over the environment, which wins over a .env file in cwd. Throws invalid_configuration SchedErrors. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const valueOf = lookupIn([
    options.flags ?? {},
    options.env ?? process.env,
    readDotEnv(options.cwd ?? process.cwd()),
  ]);
  for (const variable of options.required ?? []) {
    if (valueOf(variable) === undefined) {
      throw configurationError(
        variable,
        `${variable} is required: set it in the environment, in .env or with ${flagOf(variable)}`,
      );
    }
  }
  const valueOrDefault = (variable: keyof typeof defaults): string => valueOf(variable) ?? defaults[variable];
  const environment = appEnv(valueOrDefault("APP_ENV"));
  return {
    postgresDsn: postgresDsn(valueOf("POSTGRES_DSN")),
    postgresConnectTimeoutMs: readDuration("setting", "POSTGRES_CONNECT_TIMEOUT", valueOrDefault("POSTGRES_CONNECT_TIMEOUT")),
    postgresQueryTimeoutMs: readDuration("setting", "POSTGRES_QUERY_TIMEOUT", valueOrDefault("POSTGRES_QUERY_TIMEOUT")),
    redis: redisConfig(valueOf, valueOrDefault("REDIS_ADDR")),
    appEnv: environment,
    httpPort: httpPort(valueOrDefault("HTTP_PORT")),
    appointmentTtlMs: readDuration("setting", "APPOINTMENT_TTL", valueOrDefault("APPOINTMENT_TTL")),
    waitlistOfferTtlMs: readDuration("setting", "WAITLIST_OFFER_TTL", valueOrDefault("WAITLIST_OFFER_TTL")),
    maxActiveHoldsPerPatient: wholeNumber("MAX_ACTIVE_HOLDS_PER_PATIENT", valueOrDefault("MAX_ACTIVE_HOLDS_PER_PATIENT"), 0, "holds (0: no cap)"),
    overbookLimit: wholeNumber("OVERBOOK_LIMIT", valueOrDefault("OVERBOOK_LIMIT"), 0, "places (0: no overbooking)"),
    slotHorizonDays: wholeNumber("SLOT_HORIZON_DAYS", valueOrDefault("SLOT_HORIZON_DAYS"), 1, "days"),
    scheduleHorizonMs: readDuration("setting", "SCHEDULE_HORIZON", valueOrDefault("SCHEDULE_HORIZON")),
    healthWatchLimits: {
      perConnection: wholeNumber("HEALTH_WATCH_MAX_PER_CONNECTION", valueOrDefault("HEALTH_WATCH_MAX_PER_CONNECTION"), 1, "streams"),
      perAddress: wholeNumber("HEALTH_WATCH_MAX_PER_ADDRESS", valueOrDefault("HEALTH_WATCH_MAX_PER_ADDRESS"), 1, "streams"),
    },
    watchBuffer: wholeNumber("WATCH_BUFFER", valueOrDefault("WATCH_BUFFER"), 1, "events"),
    watchStreamsPerAddress: wholeNumber("WATCH_STREAMS_PER_ADDRESS", valueOrDefault("WATCH_STREAMS_PER_ADDRESS"), 1, "streams"),
    eventFeedPollMs: readDuration("setting", "EVENT_FEED_POLL", valueOrDefault("EVENT_FEED_POLL")),
    webhooks: {
      maxAttempts: wholeNumber("WEBHOOK_MAX_ATTEMPTS", valueOrDefault("WEBHOOK_MAX_ATTEMPTS"), 1, "tries"),
      timeoutMs: readDuration("setting", "WEBHOOK_TIMEOUT", valueOrDefault("WEBHOOK_TIMEOUT")),
      retryBaseMs: readDuration("setting", "WEBHOOK_RETRY_BASE", valueOrDefault("WEBHOOK_RETRY_BASE")),
      allowPrivateTargets: booleanSetting("WEBHOOK_ALLOW_PRIVATE_TARGETS", valueOrDefault("WEBHOOK_ALLOW_PRIVATE_TARGETS")),
    },
    lockTtlMs: readDuration("setting", "LOCK_TTL", valueOrDefault("LOCK_TTL")),
    shutdownTimeoutMs: readDuration("setting", "SHUTDOWN_TIMEOUT", valueOrDefault("SHUTDOWN_TIMEOUT")),
    workerIntervalMs: readDuration("setting", "WORKER_INTERVAL", valueOrDefault("WORKER_INTERVAL")),
    tls: tlsConfig(valueOf("TLS_CERT_FILE"), valueOf("TLS_KEY_FILE")),
    security: securityConfig(valueOf, environment),
    client: clientConfig(valueOf),
  };
}

type Source = Readonly<Record<string, string | undefined>>;

function lookupIn(sources: Source[]): Lookup {
  return (variable) =>
    sources.map((source) => source[variable]).find((value) => value !== undefined && value !== "");
}

function readDotEnv(cwd: string): Source {
  const file = path.join(cwd, ".env");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return {};
    throw configurationError(".env", `.env: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseDotEnv(text);
}

function flagOf(variable: ConfigVariable): string {
  return `--${variable.toLowerCase().replaceAll("_", "-")}`;
}

function optionKeyOf(variable: ConfigVariable): string {
  return variable.toLowerCase().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function describe(variable: ConfigVariable): string {
  const knownDefaults: Partial<Record<ConfigVariable, string>> = defaults;
  const fallback = knownDefaults[variable];
  return `${meanings[variable]} (${variable}${fallback === undefined ? "" : `, default ${fallback}`})`;
}

// Connection strings are never echoed in messages: they may carry a password.
function postgresDsn(dsn: string | undefined): string | undefined {
  if (dsn === undefined || /^postgres(?:ql)?:\/\//i.test(dsn) || dsn.includes("=")) return dsn;
  throw configurationError(
    "POSTGRES_DSN",
    "POSTGRES_DSN is not a PostgreSQL connection string (examples: postgres://user:password@host:5432/sched, host=localhost dbname=sched)",
  );
}


// Half a TLS setting is a mistake to stop at, not a reason to serve cleartext.
function tlsConfig(certFile: string | undefined, keyFile: string | undefined): TlsConfig | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (keyFile === undefined) throw configurationError("TLS_KEY_FILE", "TLS_KEY_FILE is required when TLS_CERT_FILE is set");
  if (certFile === undefined) throw configurationError("TLS_CERT_FILE", "TLS_CERT_FILE is required when TLS_KEY_FILE is set");
  return { certFile, keyFile };
}

function appEnv(text: string): AppEnv {
  if (text === "dev" || text === "prod") return text;
  throw configurationError("APP_ENV", `APP_ENV: ${JSON.stringify(text)} is neither dev nor prod`);
}

function httpPort(text: string): number {
  if (/^\d{1,5}$/.test(text) && Number(text) <= 65535) return Number(text);
  throw configurationError("HTTP_PORT", `HTTP_PORT: ${JSON.stringify(text)} is not a port (an integer from 0 to 65535)`);
}

function wholeNumber(variable: ConfigVariable, text: string, minimum: number, unit: string): number {
  if (/^\d{1,6}$/.test(text) && Number(text) >= minimum) return Number(text);
  throw configurationError(variable, `${variable}: ${JSON.stringify(text)} is not a whole number of ${unit} from ${minimum} to 999999`);
}
