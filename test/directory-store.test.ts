import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { PostgresDirectoryStore } from "../src/adapters/postgres/postgres-directory-store.js";
import { anonymousCaller } from "../src/core/access/caller.js";
import { Directory } from "../src/core/services/directory.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { expectFailure } from "./support/expect-failure.js";

let database: TestDatabase;
let pool: pg.Pool;
let directory: Directory;

beforeAll(async () => {
  database = await createTestDatabase("directory_store");
  await migrate(database.dsn);
  pool = new pg.Pool({ connectionString: database.dsn });
  directory = new Directory({ store: new PostgresDirectoryStore(pool) });
});

afterAll(async () => {
  await pool.end();
  await database.drop();
});

const unknownId = "7d4a3c1e-0000-4000-8000-000000000000";

describe("patients", () => {
  it("creates a patient with a trimmed name and email and reads it back", async () => {
    const created = await directory.createPatient(anonymousCaller, { name: "  Ada Lovelace ", email: " ada@example.org " });
    expect(created).toEqual({ id: expect.any(String), name: "Ada Lovelace", email: "ada@example.org" });
    expect(await directory.getPatient(anonymousCaller, created.id)).toEqual(created);
    expect(await directory.getPatient(anonymousCaller, created.id.toUpperCase())).toEqual(created);
  });

  it("stores an absent or empty email as null", async () => {
    expect((await directory.createPatient(anonymousCaller, { name: "No Mail" })).email).toBeNull();
    expect((await directory.createPatient(anonymousCaller, { name: "Blank Mail", email: "  " })).email).toBeNull();
    expect((await directory.createPatient(anonymousCaller, { name: "Null Mail", email: null })).email).toBeNull();
  });

  it("requires a name", async () => {
    for (const name of [undefined, "", "   "]) {
      await expectFailure(directory.createPatient(anonymousCaller, { name, email: "x@example.org" }), "invalid_argument");
    }
    await expectFailure(directory.createPatient(anonymousCaller, { name: "n".repeat(201) }), "invalid_argument");
  });

  it("answers text PostgreSQL cannot store as invalid_argument, even when the core did not catch it first", async () => {
    const store = new PostgresDirectoryStore(pool);
    await expectFailure(store.createPatient({ name: "a\u0000b", email: null }), "invalid_argument");
    await expectFailure(store.listClinicians({ specialty: "\u0000", limit: 10, offset: 0 }), "invalid_argument");
  });

  it("refuses NUL, other control characters and lone surrogates in a name or an email, naming the field", async () => {
    const names = ["a\u0000b", "Bob\u001b[2J", "Bob\u007f", "Bo\ud800b", "Bob\r\nrole: staff"];
    for (const name of names) {
      await expect(directory.createPatient(anonymousCaller, { name })).rejects.toMatchObject({
        code: "invalid_argument",
        message: expect.stringMatching(/^name must not contain control characters/),
      });
    }
    await expect(directory.createPatient(anonymousCaller, { name: "Bob", email: "bob\u0000@example.org" })).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/^email must not contain/),
    });
    await expect(directory.createClinician(anonymousCaller, { name: "Dr X", specialty: "\udfffcardio" })).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/^specialty must not contain/),
    });
    await expect(directory.listClinicians(anonymousCaller, { specialty: "\u0000" })).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/^specialty must not contain/),
    });
  });

  it("rejects an email that is not an address", async () => {
    for (const email of ["not-an-email", "a@b", "two words@example.org", "@example.org", "a@@example.org"]) {
      await expectFailure(directory.createPatient(anonymousCaller, { name: "Bad Mail", email }), "invalid_argument");
    }
    await expectFailure(directory.createPatient(anonymousCaller, { name: "Long Mail", email: `${"a".repeat(250)}@x.org` }), "invalid_argument");
  });

  it("refuses a second patient with the same email in another case", async () => {
    await directory.createPatient(anonymousCaller, { name: "First", email: "Shared@Example.com" });
    await expectFailure(directory.createPatient(anonymousCaller, { name: "Second", email: "shared@example.COM" }), "patient_email_taken");
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM patients WHERE lower(email) = 'shared@example.com'`,
    );
    expect(rows[0]!.n).toBe(1);
  });

  it("tells a malformed id from an unknown one", async () => {
    for (const id of [undefined, "", "nope", `${unknownId}0`]) {
      await expectFailure(directory.getPatient(anonymousCaller, id), "invalid_patient_id");
    }
    await expectFailure(directory.getPatient(anonymousCaller, unknownId), "patient_not_found");
  });
});

describe("clinicians", () => {
  it("creates a clinician and reads it back", async () => {
    const created = await directory.createClinician(anonymousCaller, { name: " Dr Who ", specialty: " Time " });
    expect(created).toEqual({ id: expect.any(String), name: "Dr Who", specialty: "Time" });
    expect(await directory.getClinician(anonymousCaller, created.id)).toEqual(created);
  });

  it("stores an absent or empty specialty as null", async () => {
    expect((await directory.createClinician(anonymousCaller, { name: "Dr General" })).specialty).toBeNull();
    expect((await directory.createClinician(anonymousCaller, { name: "Dr Blank", specialty: " " })).specialty).toBeNull();
  });

  it("requires a name and bounds the specialty", async () => {
    for (const name of [undefined, "", "  "]) {
      await expectFailure(directory.createClinician(anonymousCaller, { name, specialty: "Surgery" }), "invalid_argument");
    }
    await expectFailure(directory.createClinician(anonymousCaller, { name: "Dr Long", specialty: "s".repeat(101) }), "invalid_argument");
  });

  it("tells a malformed id from an unknown one", async () => {
    for (const id of [undefined, "", "42"]) {
      await expectFailure(directory.getClinician(anonymousCaller, id), "invalid_clinician_id");
    }
    await expectFailure(directory.getClinician(anonymousCaller, unknownId), "clinician_not_found");
  });

  it("lists by name, filters by specialty and pages with a total", async () => {
    for (const name of ["Dr Charlie", "Dr Alice", "Dr Bob", "Dr Dana", "Dr Eve"]) {
      await directory.createClinician(anonymousCaller, { name, specialty: "Listing" });
    }
    await directory.createClinician(anonymousCaller, { name: "Dr Aaron", specialty: "Elsewhere" });

    const first = await directory.listClinicians(anonymousCaller, { specialty: " Listing ", limit: 2 });
    expect(first.total).toBe(5);
    expect(first.clinicians.map((c) => c.name)).toEqual(["Dr Alice", "Dr Bob"]);
    const last = await directory.listClinicians(anonymousCaller, { specialty: "Listing", limit: 2, offset: 4 });
    expect(last.clinicians.map((c) => c.name)).toEqual(["Dr Eve"]);
    const beyond = await directory.listClinicians(anonymousCaller, { specialty: "Listing", limit: 2, offset: 50 });
    expect(beyond).toEqual({ clinicians: [], total: 5 });
    expect(await directory.listClinicians(anonymousCaller, { specialty: "Nobody" })).toEqual({ clinicians: [], total: 0 });
  });

  it("lists every clinician when no specialty is given", async () => {
    const { rows } = await pool.query<{ name: string }>(`SELECT name FROM clinicians ORDER BY name, id`);
    const page = await directory.listClinicians(anonymousCaller, { specialty: "", limit: 100 });
    expect(page.total).toBe(rows.length);
    expect(page.clinicians.map((c) => c.name)).toEqual(rows.map((row) => row.name));
  });

  it("clamps the page size to the default and the maximum, and refuses a negative offset", async () => {
    await pool.query(
      `INSERT INTO clinicians (name, specialty) SELECT 'Dr Bulk ' || lpad(n::text, 3, '0'), 'Bulk' FROM generate_series(1, 120) n`,
    );
    const byDefault = await directory.listClinicians(anonymousCaller, { specialty: "Bulk" });
    expect(byDefault.clinicians).toHaveLength(20);
    expect(byDefault.total).toBe(120);
    expect((await directory.listClinicians(anonymousCaller, { specialty: "Bulk", limit: 500 })).clinicians).toHaveLength(100);
    await expectFailure(directory.listClinicians(anonymousCaller, { specialty: "Bulk", offset: -3 }), "invalid_argument");
  });
});
