import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createPool } from "../../../src/adapters/postgres/pool.js";
import { eventually } from "../../support/eventually.js";
import { createPrivatePostgres, type PrivatePostgres } from "../../support/private-postgres.js";
import { PrivateRedis } from "../../support/private-redis.js";
import { seedFaultData, type FaultData, type FaultDataOptions } from "./fault-data.js";
import { HaproxyFront } from "./haproxy-front.js";
import { LoadDriver, type LoadOptions } from "./load-driver.js";
import { startSchedProcesses, type SchedProcesses } from "./sched-processes.js";
import { createDatabase } from "./use-scenario.js";

export type Replication = "synchronous" | "asynchronous";

export interface FailoverStackOptions {
  replication: Replication;
  servers: number;
  workers: number;
  seed?: FaultDataOptions;
}

export interface ReplicationLag {
  bytes: number;
  flushLagMs: number;
}

/** The live handles of a failover scenario; throws when asked before beforeAll ran. */
export interface FailoverStack {
  readonly primary: PrivatePostgres;
  readonly standby: PrivatePostgres;
  /** The one address the sched processes are given, in front of the primary until repointed. */
  readonly front: HaproxyFront;
  /** Seeded through the front; its pool follows the front. */
  readonly data: FaultData;
  readonly sched: SchedProcesses;
  load(options: Omit<LoadOptions, "urls" | "slotIds" | "patientIds">): LoadDriver;
  /** The standby promoted and the front repointed at it: the operator's two steps. */
  failOver(): Promise<void>;
  /** How far the standby trails the primary right now: WAL bytes it has not flushed, and PostgreSQL's flush_lag. */
  replicationLag(): Promise<ReplicationLag>;
  /** FaultData whose pool reaches the promoted standby directly, not through the front, for the final checks. */
  promotedData(): FaultData;
}

/**
 * A primary and a streaming standby of the test's own (pg_basebackup), the
 * sched processes reaching them through HAProxy only, and a private Redis.
 * Synchronous: the primary commits once the standby has the WAL
 * (synchronous_standby_names "*", synchronous_commit on); asynchronous: it
 * does not wait. Registers beforeAll and afterAll in the calling describe.
 */
export function useFailoverStack(label: string, options: FailoverStackOptions): FailoverStack {
  let primary: PrivatePostgres | undefined;
  let standby: PrivatePostgres | undefined;
  let front: HaproxyFront | undefined;
  let redis: PrivateRedis | undefined;
  let data: FaultData | undefined;
  let sched: SchedProcesses | undefined;
  let promoted: FaultData | undefined;

  beforeAll(async () => {
    const synchronous = options.replication === "synchronous";
    primary = await createPrivatePostgres(`${label}-primary`, {
      settings: synchronous ? { synchronous_standby_names: "*", synchronous_commit: "on" } : { synchronous_standby_names: "" },
    });
    standby = await createPrivatePostgres(`${label}-standby`, { standbyOf: primary });
    await untilStreaming(primary, synchronous ? "sync" : "async");
    front = await HaproxyFront.start({ host: "127.0.0.1", port: primary.port });
    const frontDsn = (database: string): string => `postgres://postgres@127.0.0.1:${front!.port}/${database}`;
    data = await seedFaultData(await createDatabase({ adminDsn: frontDsn("postgres"), dsn: frontDsn }), options.seed);
    redis = await PrivateRedis.start();
    sched = await startSchedProcesses({ dsn: data.dsn, redisUrl: redis.url, servers: options.servers, workers: options.workers });
  });

  afterAll(async () => {
    await sched?.stopAll();
    await redis?.stop();
    await promoted?.close();
    await data?.close();
    await front?.stop();
    await standby?.destroy();
    await primary?.destroy();
  });

  const live = <T>(handle: T | undefined, what: string): T => {
    if (handle === undefined) throw new Error(`failover stack ${label} has no ${what} yet`);
    return handle;
  };
  return {
    get primary() {
      return live(primary, "primary");
    },
    get standby() {
      return live(standby, "standby");
    },
    get front() {
      return live(front, "HAProxy");
    },
    get data() {
      return live(data, "data");
    },
    get sched() {
      return live(sched, "sched processes");
    },
    load(loadOptions) {
      const { slotIds, patientIds } = live(data, "data");
      return new LoadDriver({ urls: live(sched, "sched processes").urls(), slotIds, patientIds, ...loadOptions });
    },
    async failOver() {
      const target = live(standby, "standby");
      await target.promote();
      await live(front, "HAProxy").repoint({ host: "127.0.0.1", port: target.port });
    },
    async replicationLag() {
      const client = new pg.Client({ connectionString: live(primary, "primary").adminDsn });
      await client.connect();
      try {
        const { rows } = await client.query<{ bytes: string; flush_lag_ms: number | null }>(
          `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) AS bytes,
                  extract(epoch FROM flush_lag) * 1000 AS flush_lag_ms
             FROM pg_stat_replication`,
        );
        return { bytes: Number(rows[0]?.bytes ?? 0), flushLagMs: Math.round(Number(rows[0]?.flush_lag_ms ?? 0)) };
      } finally {
        await client.end();
      }
    },
    promotedData() {
      const seeded = live(data, "data");
      promoted ??= { ...seeded, dsn: live(standby, "standby").dsn("sched"), pool: createPool(live(standby, "standby").dsn("sched"), { max: 3 }), close: () => promoted!.pool.end() };
      return promoted;
    },
  };
}

/** Waits until the primary streams to its standby in the given mode ("sync" or "async", as pg_stat_replication says). */
async function untilStreaming(primary: PrivatePostgres, syncState: "sync" | "async"): Promise<void> {
  await eventually(
    async () => {
      const client = new pg.Client({ connectionString: primary.adminDsn });
      await client.connect();
      try {
        const { rows } = await client.query<{ sync_state: string }>("SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming'");
        return rows.some((row) => row.sync_state === syncState) ? true : undefined;
      } finally {
        await client.end();
      }
    },
    20_000,
    `standby streaming (${syncState})`,
  );
}
