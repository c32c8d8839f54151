/** Where sched runs: dev serves open without a key, prod refuses to. */
export type AppEnv = "dev" | "prod";

/** Every setting sched reads, by its environment variable name. */
export type ConfigVariable =
  | "POSTGRES_DSN"
  | "POSTGRES_CONNECT_TIMEOUT"
  | "POSTGRES_QUERY_TIMEOUT"
  | "REDIS_URL"
  | "REDIS_CLUSTER_NODES"
  | "REDIS_ADDR"
  | "REDIS_USERNAME"
  | "REDIS_PASSWORD"
  | "APP_ENV"
  | "HTTP_PORT"
  | "APPOINTMENT_TTL"
  | "WAITLIST_OFFER_TTL"
  | "MAX_ACTIVE_HOLDS_PER_PATIENT"
  | "OVERBOOK_LIMIT"
  | "SLOT_HORIZON_DAYS"
  | "SCHEDULE_HORIZON"
  | "HEALTH_WATCH_MAX_PER_CONNECTION"
  | "HEALTH_WATCH_MAX_PER_ADDRESS"
  | "WATCH_BUFFER"
  | "WATCH_STREAMS_PER_ADDRESS"
  | "EVENT_FEED_POLL"
  | "WEBHOOK_MAX_ATTEMPTS"
  | "WEBHOOK_TIMEOUT"
  | "WEBHOOK_RETRY_BASE"
  | "WEBHOOK_ALLOW_PRIVATE_TARGETS"
  | "LOCK_TTL"
  | "SHUTDOWN_TIMEOUT"
  | "WORKER_INTERVAL"
  | "TLS_CERT_FILE"
  | "TLS_KEY_FILE"
  | SecurityVariable;

/** Settings of authentication, rate limits and the client commands. */
export type SecurityVariable =
  | "AUTH_JWT_SECRET"
  | "AUTH_JWT_PUBLIC_KEY_FILE"
  | "AUTH_JWKS_FILE"
  | "AUTH_ISSUER"
  | "AUTH_AUDIENCE"
  | "AUTH_MAX_TOKEN_AGE"
  | "METRICS_REQUIRE_AUTH"
  | "RATE_LIMIT_POINTS"
  | "RATE_LIMIT_DURATION"
  | "SCHED_TOKEN"
  | "SCHED_CA_FILE";

/** A setting's text from the flags, the environment or .env, in that order. */
export type Lookup = (variable: ConfigVariable) => string | undefined;
