import { randomUUID } from "node:crypto";
import { Cluster, type Redis, type Result } from "ioredis";
import { silentLogger, type Logger } from "../../core/ports/logger.js";
import type { LockAttempt, SlotLock } from "../../core/ports/slot-lock.js";
import type { RedisConnection } from "./create-redis-client.js";

declare module "ioredis" {
  interface RedisCommander<Context> {
    schedReleaseSlotLock(key: string, token: string): Result<number, Context>;
  }
}

// Deletes the lock only while it still holds our token: a holder that was
// paused past the lock's lifetime must not free the lock of the request that
// took the slot after it.
const compareAndDelete = `
if redis.call("get", KEYS[1]) == ARGV[1] then
  return redis.call("del", KEYS[1])
end
return 0
`;

export interface RedisSlotLockOptions {
  redis: RedisConnection;
  lockTtlMs: number;
  /** How long any one Redis call may take before the lock counts as unavailable. */
  commandTimeoutMs?: number;
  keyPrefix?: string;
  logger?: Logger;
}

type Answer<T> = { ok: true; value: T } | { ok: false; reason: string };

// Statuses in which a client is setting up a connection that may well succeed
// in a moment; a client without an offline queue would fail a command sent now.
const connectingStatuses: ReadonlySet<string> = new Set(["wait", "connecting", "connect"]);

/**
 * The slot lock over Redis (a single node or a Cluster: every command touches
 * one key). Redis only sheds contention, so whenever it does not answer in
 * time the booking goes on without the lock and PostgreSQL alone decides.
 */
export class RedisSlotLock implements SlotLock {
  private readonly redis: Redis | Cluster;
  private readonly lockTtlMs: number;
  private readonly commandTimeoutMs: number;
  private readonly keyPrefix: string;
  private readonly logger: Logger;
  private redisAnswering = true;
  private connectionSettled: Promise<void> | undefined;

  constructor(options: RedisSlotLockOptions) {
    this.redis = options.redis;
    this.lockTtlMs = wholePositiveMs(options.lockTtlMs, "lockTtlMs");
    this.commandTimeoutMs = wholePositiveMs(options.commandTimeoutMs ?? 250, "commandTimeoutMs");
    this.keyPrefix = options.keyPrefix ?? "sched:slot-lock:";
    this.logger = options.logger ?? silentLogger;
    this.redis.defineCommand("schedReleaseSlotLock", { lua: compareAndDelete, numberOfKeys: 1 });
  }

  async tryAcquire(slotId: string): Promise<LockAttempt> {
    const key = this.keyPrefix + slotId;
    const token = randomUUID();
    const answer = await this.call(
      () => this.redis.set(key, token, "PX", this.lockTtlMs, "NX"),
      // A SET that Redis carries out after we stopped waiting took a lock
      // nobody will release; free the slot now rather than after a whole TTL.
      (lateReply) => {
        if (lateReply === "OK") void this.release(key, token);
      },
    );
    if (!answer.ok) return { outcome: "unavailable" };
    if (answer.value !== "OK") return { outcome: "busy" };
    return { outcome: "acquired", release: () => this.release(key, token) };
  }

  async isAvailable(): Promise<boolean> {
    const redis = this.redis;
    if (!(redis instanceof Cluster)) return (await this.call(() => redis.ping())).ok;
    // Live nodes answer PING while the cluster refuses every key (a master
    // lost, and the slots it served with it): ask for the cluster's own verdict.
    const answer = await this.call(async () => {
      const state = /^cluster_state:(\w+)/m.exec(await redis.cluster("INFO"))?.[1];
      if (state !== "ok") throw new Error(`the Redis Cluster reports cluster_state ${state ?? "unknown"}`);
    });
    return answer.ok;
  }

  // Resolves once the connection is closed, so that nothing keeps the process alive.
  async close(): Promise<void> {
    const ended = new Promise<void>((resolve) => this.redis.once("end", () => resolve()));
    const answer = await this.withinTimeout(async () => {
      await this.redis.quit();
      await ended;
    });
    // disconnect() also cancels a pending reconnection, which would otherwise
    // keep the process alive after a close during an outage.
    if (!answer.ok || this.redis.status !== "end") this.redis.disconnect();
  }

  // Never fails: a lock that cannot be released simply expires.
  private async release(key: string, token: string): Promise<void> {
    await this.call(() => this.redis.schedReleaseSlotLock(key, token));
  }

  private async call<T>(send: () => Promise<T>, onLateReply?: (value: T) => void): Promise<Answer<T>> {
    const answer = await this.withinTimeout(send, onLateReply);
    this.noteRedisHealth(answer);
    return answer;
  }

  // The adapter bounds every call itself: the client may have been created
  // elsewhere, with an offline queue or without a command timeout.
  private async withinTimeout<T>(send: () => Promise<T>, onLateReply?: (value: T) => void): Promise<Answer<T>> {
    let gaveUp = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<Answer<T>>((resolve) => {
      timer = setTimeout(() => {
        gaveUp = true;
        resolve({ ok: false, reason: `no answer within ${this.commandTimeoutMs} ms` });
      }, this.commandTimeoutMs);
    });
    const sendNow = async (): Promise<Answer<T>> => {
      if (gaveUp) return { ok: false, reason: "not sent" };
      try {
        const value = await send();
        if (gaveUp) onLateReply?.(value);
        return { ok: true, value };
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
    };
    // On a connection that is up the command is written within this call,
    // not a turn of the event loop later: a booking releases its lock without
    // waiting for the reply, and the release must reach Redis before the
    // booking's answer reaches its client, whose next request may go to
    // another server and find the slot still locked.
    const answered = connectingStatuses.has(this.redis.status) ? this.untilConnectionSettled().then(sendNow) : sendNow();
    try {
      return await Promise.race([answered, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  // One shared wait per connection attempt, so that a burst of bookings at
  // start-up adds two listeners, not two per booking.
  private untilConnectionSettled(): Promise<void> {
    const status: string = this.redis.status;
    if (!connectingStatuses.has(status)) return Promise.resolve();
    if (status === "wait") this.redis.connect().catch(() => {});
    this.connectionSettled ??= new Promise<void>((resolve) => {
      const settle = (): void => {
        this.redis.off("ready", settle);
        this.redis.off("close", settle);
        this.connectionSettled = undefined;
        resolve();
      };
      this.redis.on("ready", settle);
      this.redis.on("close", settle);
    });
    return this.connectionSettled;
  }

  private noteRedisHealth(answer: Answer<unknown>): void {
    if (answer.ok && !this.redisAnswering) {
      this.redisAnswering = true;
      this.logger.info({}, "redis available again");
    } else if (!answer.ok && this.redisAnswering) {
      this.redisAnswering = false;
      this.logger.warn({ reason: answer.reason }, "redis unavailable, booking without the slot lock");
    }
  }
}

function wholePositiveMs(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  }
  return Math.ceil(value);
}
