import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

// These tests talk to PostgreSQL with plain SQL, as code that bypasses the
// service would: every guard here must hold without any help from sched.

let database: TestDatabase;
let pool: pg.Pool;
let clinicianId: string;
let patientIds: string[];
let nextStart = Date.parse("2030-01-07T08:00:00Z");

beforeAll(async () => {
  database = await createTestDatabase("schema_guards");
  await migrate(database.dsn);
  pool = new pg.Pool({ connectionString: database.dsn, max: 40 });
  const clinician = await pool.query<{ id: string }>(`INSERT INTO clinicians (name) VALUES ('Dr Guard') RETURNING id`);
  clinicianId = clinician.rows[0]!.id;
  const patients = await pool.query<{ id: string }>(
    `INSERT INTO patients (name) SELECT 'Patient ' || n FROM generate_series(1, 200) n RETURNING id`,
  );
  patientIds = patients.rows.map((row) => row.id);
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

async function createSlot(capacity = 1): Promise<string> {
  const start = new Date(nextStart);
  const end = new Date(nextStart + 30 * 60_000);
  nextStart += 30 * 60_000;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity) VALUES ($1, $2, $3, $4) RETURNING id`,
    [clinicianId, start, end, capacity],
  );
  return rows[0]!.id;
}

async function hold(slotId: string, patientId: string, expiresIn = "10 minutes", client: pg.Pool | pg.PoolClient = pool) {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO appointments (slot_id, patient_id, expires_at) VALUES ($1, $2, now() + $3::interval) RETURNING id`,
    [slotId, patientId, expiresIn],
  );
  return rows[0]!.id;
}

async function occupants(slotId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM appointments
      WHERE slot_id = $1 AND status NOT IN ('cancelled', 'expired') AND (status <> 'pending' OR expires_at > now())`,
    [slotId],
  );
  return rows[0]!.n;
}

function constraintOf(error: unknown): string | undefined {
  return (error as pg.DatabaseError).constraint;
}

async function rejection(promise: Promise<unknown>): Promise<pg.DatabaseError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, "PostgreSQL accepted a write it must refuse").toBeInstanceOf(pg.DatabaseError);
  return error as pg.DatabaseError;
}

describe("slots", () => {
  it("rejects a slot that ends before it starts or lasts no time", async () => {
    for (const end of ["2031-01-01T08:00:00Z", "2031-01-01T07:00:00Z"]) {
      const error = await rejection(
        pool.query(`INSERT INTO appointment_slots (clinician_id, start_time, end_time) VALUES ($1, '2031-01-01T08:00:00Z', $2)`, [
          clinicianId,
          end,
        ]),
      );
      expect(error.constraint).toBe("appointment_slots_time_range");
    }
  });

  it("rejects a capacity below 1", async () => {
    const error = await rejection(
      pool.query(
        `INSERT INTO appointment_slots (clinician_id, start_time, end_time, capacity) VALUES ($1, '2031-02-01T08:00:00Z', '2031-02-01T09:00:00Z', 0)`,
        [clinicianId],
      ),
    );
    expect(error.constraint).toBe("appointment_slots_capacity_positive");
  });

  it("never lets one clinician's slots overlap, but frees the time of a deleted slot", async () => {
    await pool.query(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time, status) VALUES ($1, '2031-03-01T08:00:00Z', '2031-03-01T09:00:00Z', 'deleted')`,
      [clinicianId],
    );
    await pool.query(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time) VALUES ($1, '2031-03-01T08:00:00Z', '2031-03-01T09:00:00Z')`,
      [clinicianId],
    );
    const error = await rejection(
      pool.query(
        `INSERT INTO appointment_slots (clinician_id, start_time, end_time) VALUES ($1, '2031-03-01T08:59:00Z', '2031-03-01T09:30:00Z')`,
        [clinicianId],
      ),
    );
    expect(error.constraint).toBe("appointment_slots_no_overlap");
    await pool.query(
      `INSERT INTO appointment_slots (clinician_id, start_time, end_time) VALUES ($1, '2031-03-01T09:00:00Z', '2031-03-01T09:30:00Z')`,
      [clinicianId],
    );
  });

  it("rejects an unknown status and an unknown clinician", async () => {
    const status = await rejection(
      pool.query(
        `INSERT INTO appointment_slots (clinician_id, start_time, end_time, status) VALUES ($1, '2031-04-01T08:00:00Z', '2031-04-01T09:00:00Z', 'half-open')`,
        [clinicianId],
      ),
    );
    expect(status.code).toBe("22P02");
    const clinician = await rejection(
      pool.query(
        `INSERT INTO appointment_slots (clinician_id, start_time, end_time) VALUES (gen_random_uuid(), '2031-04-01T08:00:00Z', '2031-04-01T09:00:00Z')`,
      ),
    );
    expect(clinician.code).toBe("23503");
  });

  it("refuses to lower a capacity below the slot's active appointments", async () => {
    const slotId = await createSlot(3);
    await hold(slotId, patientIds[0]!);
    await hold(slotId, patientIds[1]!);
    const error = await rejection(pool.query(`UPDATE appointment_slots SET capacity = 1 WHERE id = $1`, [slotId]));
    expect(error.constraint).toBe("appointment_slots_capacity_covers_occupants");
    await pool.query(`UPDATE appointment_slots SET capacity = 2 WHERE id = $1`, [slotId]);
  });
});

describe("appointments", () => {
  let slotId: string;

  beforeEach(async () => {
    slotId = await createSlot(1);
  });

  it("rejects an appointment that would overbook a slot", async () => {
    await hold(slotId, patientIds[0]!);
    const error = await rejection(hold(slotId, patientIds[1]!));
    expect(error.constraint).toBe("appointments_slot_capacity");
    expect(await occupants(slotId)).toBe(1);
  });

  it("counts a lapsed hold as free at once, before anything marks it expired", async () => {
    await pool.query(
      `INSERT INTO appointments (slot_id, patient_id, expires_at) VALUES ($1, $2, now() - interval '1 second')`,
      [slotId, patientIds[0]],
    );
    await hold(slotId, patientIds[1]!);
    expect(await occupants(slotId)).toBe(1);
  });

  it("rejects a second active appointment of one patient on one slot", async () => {
    const roomy = await createSlot(5);
    await hold(roomy, patientIds[0]!);
    const error = await rejection(hold(roomy, patientIds[0]!));
    expect(error.constraint).toBe("appointments_one_active_per_patient_and_slot");
  });

  it("rejects an unknown status, a pending row without expiry, and an unknown patient", async () => {
    const status = await rejection(
      pool.query(`INSERT INTO appointments (slot_id, patient_id, status) VALUES ($1, $2, 'tentative')`, [slotId, patientIds[0]]),
    );
    expect(status.code).toBe("22P02");
    const expiry = await rejection(
      pool.query(`INSERT INTO appointments (slot_id, patient_id) VALUES ($1, $2)`, [slotId, patientIds[0]]),
    );
    expect(expiry.constraint).toBe("appointments_expiry_only_while_pending");
    const patient = await rejection(
      pool.query(`INSERT INTO appointments (slot_id, patient_id, expires_at) VALUES ($1, gen_random_uuid(), now() + interval '1 minute')`, [
        slotId,
      ]),
    );
    expect(patient.code).toBe("23503");
  });

  it("rejects a hold on a slot that is not open", async () => {
    await pool.query(`UPDATE appointment_slots SET status = 'blocked' WHERE id = $1`, [slotId]);
    const error = await rejection(hold(slotId, patientIds[0]!));
    expect(error.constraint).toBe("appointments_slot_open");
  });

  it("allows exactly the legal transitions", async () => {
    const roomy = await createSlot(10);
    const transition = (id: string, status: string) =>
      pool.query(
        `UPDATE appointments SET status = $2, expires_at = NULL, updated_at = now() WHERE id = $1`,
        [id, status],
      );

    const confirmed = await hold(roomy, patientIds[0]!);
    await transition(confirmed, "confirmed");
    await transition(confirmed, "cancelled");
    for (const status of ["pending", "confirmed", "expired"]) {
      expect(constraintOf(await rejection(transition(confirmed, status)))).toMatch(/appointments_(legal_transition|expiry_only_while_pending)/);
    }

    const cancelled = await hold(roomy, patientIds[1]!);
    await transition(cancelled, "cancelled");

    const early = await hold(roomy, patientIds[2]!);
    expect(constraintOf(await rejection(transition(early, "expired")))).toBe("appointments_legal_transition");

    const lapsed = await hold(roomy, patientIds[3]!, "-1 second");
    expect(constraintOf(await rejection(transition(lapsed, "confirmed")))).toBe("appointments_legal_transition");
    await transition(lapsed, "expired");
    for (const status of ["pending", "confirmed", "cancelled"]) {
      expect(constraintOf(await rejection(transition(lapsed, status)))).toMatch(/appointments_(legal_transition|expiry_only_while_pending)/);
    }

    const born = await rejection(
      pool.query(`INSERT INTO appointments (slot_id, patient_id, status) VALUES ($1, $2, 'expired')`, [roomy, patientIds[4]]),
    );
    expect(born.constraint).toBe("appointments_legal_transition");
  });

  it("refuses to confirm a hold whose capacity another patient took after it lapsed", async () => {
    const lapsed = await hold(slotId, patientIds[0]!, "-1 second");
    await hold(slotId, patientIds[1]!);
    // Only the transition guard would refuse this confirmation by time; the
    // capacity guard refuses it too, which is what closes the race between a
    // confirmation that started before the deadline and a new hold after it.
    await pool.query(`ALTER TABLE appointments DISABLE TRIGGER appointments_1_legal_transition`);
    try {
      const error = await rejection(
        pool.query(`UPDATE appointments SET status = 'confirmed', expires_at = NULL WHERE id = $1`, [lapsed]),
      );
      expect(error.constraint).toBe("appointments_slot_capacity");
    } finally {
      await pool.query(`ALTER TABLE appointments ENABLE TRIGGER appointments_1_legal_transition`);
    }
  });
});

describe("visits, moves and overbooking", () => {
  const setStatus = (id: string, status: string) => pool.query(`UPDATE appointments SET status = $2, expires_at = NULL WHERE id = $1`, [id, status]);
  const booking = async (slotId: string, patientId: string) => {
    const id = await hold(slotId, patientId);
    await setStatus(id, "confirmed");
    return id;
  };
  /** Runs `work` in a transaction that hands the capacity guard an overbooking limit, as the booking statement does. */
  async function withOverbookLimit<T>(limit: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT set_config('sched.overbook_limit', $1, true)`, [String(limit)]);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    } finally {
      client.release();
    }
  }
  const overbook = (client: pg.Pool | pg.PoolClient, slotId: string, patientId: string) =>
    client.query(`INSERT INTO appointments (slot_id, patient_id, status, overbooked) VALUES ($1, $2, 'confirmed', true)`, [slotId, patientId]);

  it("allows confirmed → arrived → fulfilled, and confirmed → noshow only once the slot has started", async () => {
    const slotId = await createSlot(5);
    const visit = await booking(slotId, patientIds[0]!);
    expect(constraintOf(await rejection(setStatus(visit, "fulfilled")))).toBe("appointments_legal_transition");
    await setStatus(visit, "arrived");
    for (const status of ["confirmed", "noshow", "cancelled", "pending"]) {
      expect(constraintOf(await rejection(setStatus(visit, status)))).toMatch(/appointments_(legal_transition|expiry_only_while_pending)/);
    }
    await setStatus(visit, "fulfilled");
    expect(constraintOf(await rejection(setStatus(visit, "arrived")))).toBe("appointments_legal_transition");

    const missed = await booking(slotId, patientIds[1]!);
    expect(constraintOf(await rejection(setStatus(missed, "noshow")))).toBe("appointments_legal_transition");
    const held = await hold(slotId, patientIds[2]!);
    expect(constraintOf(await rejection(setStatus(held, "arrived")))).toBe("appointments_legal_transition");
    await pool.query(
      `UPDATE appointment_slots SET start_time = '2020-01-01T08:00:00Z', end_time = '2020-01-01T08:30:00Z' WHERE id = $1`,
      [slotId],
    );
    await setStatus(missed, "noshow");
    expect(constraintOf(await rejection(setStatus(missed, "cancelled")))).toBe("appointments_legal_transition");
  });

  it("moves only a live hold or a confirmed appointment, and never into a full slot", async () => {
    const [from, full, roomy] = [await createSlot(1), await createSlot(1), await createSlot(3)];
    const move = (id: string, slotId: string) => pool.query(`UPDATE appointments SET slot_id = $2 WHERE id = $1`, [id, slotId]);
    await booking(full, patientIds[3]!);
    const confirmed = await booking(from, patientIds[4]!);
    expect(constraintOf(await rejection(move(confirmed, full)))).toBe("appointments_slot_capacity");
    await move(confirmed, roomy);
    await setStatus(confirmed, "cancelled");
    expect(constraintOf(await rejection(move(confirmed, from)))).toBe("appointments_legal_move");
    const lapsed = await hold(from, patientIds[5]!, "-1 second");
    expect(constraintOf(await rejection(move(lapsed, roomy)))).toBe("appointments_legal_move");
  });

  it("refuses an overbooked place without the limit a booking hands over, and beyond it", async () => {
    const slotId = await createSlot(1);
    await booking(slotId, patientIds[6]!);
    expect(constraintOf(await rejection(overbook(pool, slotId, patientIds[7]!)))).toBe("appointments_overbook_limit");
    await withOverbookLimit(1, (client) => overbook(client, slotId, patientIds[7]!));
    expect(constraintOf(await rejection(withOverbookLimit(1, (client) => overbook(client, slotId, patientIds[8]!))))).toBe(
      "appointments_overbook_limit",
    );
    // Without the marker the slot is full, overbooked place or not.
    expect(constraintOf(await rejection(hold(slotId, patientIds[8]!)))).toBe("appointments_slot_capacity");
    const marked = await hold(await createSlot(1), patientIds[9]!);
    expect(constraintOf(await rejection(pool.query(`UPDATE appointments SET overbooked = true WHERE id = $1`, [marked])))).toBe(
      "appointments_overbook_limit",
    );
    expect(await occupants(slotId)).toBe(2);
  });

  it("decides the marker itself for a place written with a limit: ordinary while the slot has room, overbooked once it is full", async () => {
    const slotId = await createSlot(1);
    const marked = async (id: string) => (await pool.query<{ overbooked: boolean }>(`SELECT overbooked FROM appointments WHERE id = $1`, [id])).rows[0]!.overbooked;
    const insert = (client: pg.PoolClient, patientId: string, overbooked: boolean) =>
      client.query<{ id: string }>(`INSERT INTO appointments (slot_id, patient_id, status, overbooked) VALUES ($1, $2, 'confirmed', $3) RETURNING id`, [
        slotId,
        patientId,
        overbooked,
      ]);
    // Marked by its writer, as from a stale snapshot that saw the slot full: the free place is taken as an ordinary one.
    const first = await withOverbookLimit(2, async (client) => (await insert(client, patientIds[12]!, true)).rows[0]!.id);
    // Unmarked, as from a snapshot that saw room: the slot is full now, so it is an overbooking, with the occupancy it met.
    const { second, met } = await withOverbookLimit(2, async (client) => {
      const id = (await insert(client, patientIds[13]!, false)).rows[0]!.id;
      const setting = await client.query<{ met: string }>(`SELECT current_setting('sched.occupants_met') AS met`);
      return { second: id, met: setting.rows[0]!.met };
    });
    expect([await marked(first), await marked(second), met]).toEqual([false, true, "1"]);
  });

  it("records the visits of an overbooked slot: a check-in takes no new place", async () => {
    const slotId = await createSlot(1);
    const ordinary = await booking(slotId, patientIds[10]!);
    await withOverbookLimit(1, (client) => overbook(client, slotId, patientIds[11]!));
    await setStatus(ordinary, "arrived");
    await setStatus(ordinary, "fulfilled");
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM appointments WHERE slot_id = $1 AND overbooked`, [slotId]);
    await setStatus(rows[0]!.id, "arrived");
    expect(await occupants(slotId)).toBe(2);
  });
});

describe("concurrent writers that bypass the service", () => {
  async function raceForSlots(slotIds: string[], isolation: "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE") {
    const attempts = patientIds.map((patientId, index) => async () => {
      const client = await pool.connect();
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        await hold(slotIds[index % slotIds.length]!, patientId, "10 minutes", client);
        await client.query("COMMIT");
        return "booked" as const;
      } catch (error) {
        await client.query("ROLLBACK");
        const code = (error as pg.DatabaseError).code;
        if (code === "23514" || code === "40001") return "refused" as const;
        throw error;
      } finally {
        client.release();
      }
    });
    return Promise.all(attempts.map((attempt) => attempt()));
  }

  for (const isolation of ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] as const) {
    it(`never overbooks under ${isolation}: 200 simultaneous holds on 10 slots of capacity 1 and 3`, async () => {
      const slotIds = [
        ...(await Promise.all(Array.from({ length: 5 }, () => createSlot(1)))),
        ...(await Promise.all(Array.from({ length: 5 }, () => createSlot(3)))),
      ];
      const outcomes = await raceForSlots(slotIds, isolation);

      const { rows } = await pool.query<{ id: string; capacity: number; occupants: number }>(
        `SELECT s.id, s.capacity,
                count(a.id) FILTER (WHERE a.status = 'confirmed' OR (a.status = 'pending' AND a.expires_at > now()))::int AS occupants
           FROM appointment_slots s LEFT JOIN appointments a ON a.slot_id = s.id
          WHERE s.id = ANY($1)
          GROUP BY s.id, s.capacity`,
        [slotIds],
      );
      expect(rows).toHaveLength(10);
      for (const slot of rows) {
        expect(slot.occupants, `slot of capacity ${slot.capacity}`).toBeLessThanOrEqual(slot.capacity);
      }
      const booked = outcomes.filter((outcome) => outcome === "booked").length;
      expect(booked).toBe(rows.reduce((sum, slot) => sum + slot.occupants, 0));
      if (isolation === "READ COMMITTED") {
        expect(booked).toBe(5 * 1 + 5 * 3);
      }
    });
  }
});
