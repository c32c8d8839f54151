import { readdirSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, migrationsDir } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { http1Request } from "./support/http-clients.js";
import { runCli } from "./support/run-cli.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

// A database that is not there, or has no schema, is a mistake only an
// operator can fix: every command says which fix in one line, and a server
// whose database goes away under it answers 503 unavailable, not 500.

let unmigrated: TestDatabase;
let missingDsn: string;

beforeAll(async () => {
  unmigrated = await createTestDatabase("not_ready_empty");
  const url = new URL(unmigrated.dsn);
  url.pathname = `/${unmigrated.name}_missing`;
  missingDsn = url.toString();
});

afterAll(async () => {
  await unmigrated.drop();
});

const serve: [string, string[]] = ["serve", ["serve", "--http-port", "0", "--host", "127.0.0.1"]];
const commands: Array<[string, string[]]> = [
  ["seed", ["seed", "--clinicians", "1", "--patients", "1", "--weeks", "1"]],
  ["simulate", ["simulate", "--duration", "1s", "--url", "http://127.0.0.1:1"]],
  ["expiry-worker --once", ["expiry-worker", "--once"]],
  ["expiry-worker", ["expiry-worker"]],
];

describe("a database that does not exist", () => {
  it.concurrent.each([...commands, ["migrate", ["migrate"]] as [string, string[]]])("sched %s says to create it, in one line, exit 1", async (_, args) => {
    const result = await runCli(args, { POSTGRES_DSN: missingDsn });
    const name = new URL(missingDsn).pathname.slice(1);
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `sched: database "${name}" does not exist: create it, or correct POSTGRES_DSN; then run sched migrate\n`,
    });
  });

  it.concurrent("sched seed --json says so in JSON on stderr", async () => {
    const { code, stderr } = await runCli([...commands[0]![1], "--json"], { POSTGRES_DSN: missingDsn });
    expect(code).toBe(1);
    expect(JSON.parse(stderr)).toEqual({ error: "database_not_ready", details: expect.stringMatching(/does not exist: create it/) });
  });
});

describe("a database without the schema", () => {
  it.concurrent.each([serve, ...commands])("sched %s says to run sched migrate, in one line, exit 1", async (_, args) => {
    const migrations = readdirSync(migrationsDir).filter((name) => name.endsWith(".sql")).length;
    const { code, stdout, stderr } = await runCli(args, { POSTGRES_DSN: unmigrated.dsn });
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toMatch(new RegExp(`^sched: the database schema lacks ${migrations} migration\\(s\\) \\([^\\n]+\\): run sched migrate\\n$`));
  });
});

describe("sched serve on a database that does not exist", () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess({ POSTGRES_DSN: missingDsn, REDIS_URL: "127.0.0.1:1" });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("says so at start, naming the fix, and answers requests 503 unavailable until it exists", async () => {
    const name = new URL(missingDsn).pathname.slice(1);
    const warnings = server.logLines().filter((line) => String(line.msg).includes("does not exist"));
    expect(warnings.map((line) => line.msg)).toEqual([
      `database "${name}" does not exist: create it, or correct POSTGRES_DSN; then run sched migrate (serving anyway: requests answer 503 until it is fixed)`,
    ]);
    const refused = await http1Request(server.port, { path: "/patients/00000000-0000-4000-8000-000000000000" });
    expect({ status: refused.status, body: JSON.parse(refused.body) }).toEqual({
      status: 503,
      body: { error: "unavailable", details: "the database is not ready for sched" },
    });
  });
});

describe("a server whose database goes away", () => {
  let database: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase("not_ready_served");
    await migrate(database.dsn);
    server = await startServerProcess({ POSTGRES_DSN: database.dsn, REDIS_URL: "127.0.0.1:1" });
  });

  afterAll(async () => {
    await server?.stop();
    await database.drop();
  });

  async function onDatabase(sql: string, dsn = database.dsn): Promise<void> {
    const client = new pg.Client({ connectionString: dsn });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  const createPatient = (): Promise<{ status: number; body: string }> =>
    http1Request(server.port, {
      method: "POST",
      path: "/patients",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada" }),
    });

  it("answers 503 unavailable while its tables are missing, then 201 once migrated again", async () => {
    expect((await createPatient()).status).toBe(201);
    await onDatabase("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    const refused = await createPatient();
    expect({ status: refused.status, body: JSON.parse(refused.body) }).toEqual({
      status: 503,
      body: { error: "unavailable", details: "the database is not ready for sched" },
    });
    await migrate(database.dsn);
    expect((await createPatient()).status).toBe(201);
  });

  it("answers 503 unavailable once its database is dropped", async () => {
    const admin = new URL(database.dsn);
    admin.pathname = "/postgres";
    await onDatabase(`DROP DATABASE ${database.name} WITH (FORCE)`, admin.toString());
    const refused = await createPatient();
    expect({ status: refused.status, body: JSON.parse(refused.body) }).toEqual({
      status: 503,
      body: { error: "unavailable", details: "the database is not ready for sched" },
    });
  });
});
