import { randomUUID } from "node:crypto";
import type pg from "pg";
import { migrate } from "../../src/adapters/postgres/migrate.js";
import { createPool } from "../../src/adapters/postgres/pool.js";
import { PostgresAppointmentStore } from "../../src/adapters/postgres/postgres-appointment-store.js";
import { PostgresIdempotencyStore } from "../../src/adapters/postgres/postgres-idempotency-store.js";
import { auditInvariants, type InvariantAudit } from "../../src/adapters/postgres/tooling/audit-invariants.js";
import type { AppointmentStore } from "../../src/core/ports/appointment-store.js";
import type { SlotLock } from "../../src/core/ports/slot-lock.js";
import { Appointments } from "../../src/core/services/appointments.js";
import { HoldExpiry } from "../../src/core/services/hold-expiry.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

/**
 * A migrated database of its own with a clinician and patients, and a way to
 * build service instances over it the way `sched serve` does: each with its
 * own pool, as separate processes would have.
 */
export class BookingFixture {
  private readonly pools: pg.Pool[] = [];
  private nextStart = Date.parse("2031-01-06T08:00:00Z");

  private constructor(
    readonly database: TestDatabase,
    readonly admin: pg.Pool,
    readonly clinicianId: string,
    readonly patientIds: string[],
  ) {}

  static async create(label: string, patients = 50): Promise<BookingFixture> {
    const database = await createTestDatabase(label);
    await migrate(database.dsn);
    const admin = createPool(database.dsn, { max: 4 });
    const clinician = await admin.query<{ id: string }>(
      `INSERT INTO clinicians (name, specialty) VALUES ('Dr Fixture', 'cardiology') RETURNING id`,
    );
    const rows = await admin.query<{ id: string }>(
      `INSERT INTO patients (name, email) SELECT 'Patient ' || n, 'patient' || n || '@example.org' FROM generate_series(1, $1) n RETURNING id`,
      [patients],
    );
    return new BookingFixture(database, admin, clinician.rows[0]!.id, rows.rows.map((row) => row.id));
  }

  async slots(count: number, capacity = 1): Promise<string[]> {
    const starts = Array.from({ length: count }, (_, index) => new Date(this.nextStart + index * 30 * 60_000));
    this.nextStart += count * 30 * 60_000;
    const { rows } = await this.admin.query<{ id: string }>(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity)
       SELECT $1, start, start + interval '30 minutes', $3 FROM unnest($2::timestamptz[]) AS start
       RETURNING id`,
      [this.clinicianId, starts, capacity],
    );
    return rows.map((row) => row.id);
  }

  instance(options: {
    lock: SlotLock;
    holdTtlMs?: number;
    /** OVERBOOK_LIMIT; 1 unless given. */
    overbookLimit?: number;
    poolSize?: number;
    /** Wraps the real store, for instance to pause a request between taking the lock and booking. */
    wrapStore?: (store: AppointmentStore) => AppointmentStore;
  }): Appointments {
    // A burst opens every instance's connections at once; on a busy machine
    // that can take longer than the server's 2 s, which is not what these tests are about.
    const pool = createPool(this.database.dsn, { max: options.poolSize ?? 10, connectionTimeoutMs: 10_000 });
    this.pools.push(pool);
    const store = new PostgresAppointmentStore(pool);
    return new Appointments({
      store: options.wrapStore ? options.wrapStore(store) : store,
      idempotency: new PostgresIdempotencyStore(pool),
      lock: options.lock,
      holdTtlMs: options.holdTtlMs ?? 10 * 60_000,
      ...(options.overbookLimit === undefined ? {} : { overbookLimit: options.overbookLimit }),
    });
  }

  /** An expiry worker with its own pool, as a separate `sched expiry-worker` process would have. */
  expiry(options: { poolSize?: number } = {}): HoldExpiry {
    const pool = createPool(this.database.dsn, { max: options.poolSize ?? 2 });
    this.pools.push(pool);
    return new HoldExpiry(new PostgresAppointmentStore(pool));
  }

  /** Ends the pools of every instance made so far, so that a file stays within max_connections. */
  async closeInstances(): Promise<void> {
    await Promise.all(this.pools.splice(0).map((pool) => pool.end()));
  }

  audit(): Promise<InvariantAudit> {
    return auditInvariants(this.admin);
  }

  async occupants(slotId: string): Promise<number> {
    const { rows } = await this.admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM appointments
        WHERE slot_id = $1 AND status NOT IN ('cancelled', 'expired') AND (status <> 'pending' OR expires_at > now())`,
      [slotId],
    );
    return rows[0]!.n;
  }

  async close(): Promise<void> {
    await this.closeInstances();
    await this.admin.end();
    await this.database.drop();
  }
}

export const cleanAudit: InvariantAudit = {
  overbookedSlots: [],
  duplicateActiveAppointments: [],
  trailMismatches: [],
  illegalStates: [],
  misplacedAppointments: [],
};

export function uniqueKey(): string {
  return randomUUID();
}
