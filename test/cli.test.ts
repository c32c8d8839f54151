import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsDir } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { runCli } from "./support/run-cli.js";

const emptyDir = mkdtempSync(join(tmpdir(), "sched-cli-"));

describe("sched --help", () => {
  it("lists every subcommand of the contract", async () => {
    const { code, stdout } = await runCli(["--help"], {}, emptyDir);
    expect(code).toBe(0);
    for (const command of [
      "serve",
      "expiry-worker",
      "migrate",
      "book",
      "confirm",
      "cancel",
      "get",
      "list",
      "slots",
      "seed",
      "simulate",
      "dev",
      "schedules",
      "availability",
      "waitlist",
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
  });
});

describe("sched writing into a closed pipe (sched … | head)", () => {
  it("stops quietly with exit code 0, without a stack trace", async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL("../bin/sched.js", import.meta.url)), "seed", "--help"], {
      cwd: emptyDir,
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The reader goes away before sched has written anything, as head does once it has its lines.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("close", (exitCode) => resolve(exitCode)));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});

describe("sched migrate", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase("cli_migrate");
  });

  afterAll(async () => {
    await database.drop();
  });

  it("stops with one line naming POSTGRES_DSN and exit code 2 when it is missing", async () => {
    const { code, stdout, stderr } = await runCli(["migrate"], {}, emptyDir);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe("sched: POSTGRES_DSN is required: set it in the environment, in .env or with --postgres-dsn\n");
  });

  it("stops with one line naming a malformed variable and exit code 2", async () => {
    const { code, stderr } = await runCli(["migrate"], { POSTGRES_DSN: database.dsn, LOCK_TTL: "soon" }, emptyDir);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/^sched: LOCK_TTL: /);
  });

  it("says which server it cannot reach, in one line, with no stack trace", async () => {
    const { code, stderr } = await runCli(["migrate", "--postgres-dsn", "postgres://postgres@127.0.0.1:1/sched"], {}, emptyDir);
    expect(code).toBe(1);
    expect(stderr).toBe("sched: cannot reach 127.0.0.1:1: connection refused\n");
  });

  it("creates the schema on an empty database, and a second run changes nothing", async () => {
    const first = await runCli(["migrate"], { POSTGRES_DSN: database.dsn }, emptyDir);
    const everyMigration = readdirSync(migrationsDir)
      .filter((file) => file.endsWith(".sql"))
      .sort()
      .map((file) => `applied ${file.replace(/\.sql$/, "")}\n`);
    expect(first).toEqual({ code: 0, stdout: everyMigration.join(""), stderr: "" });
    const second = await runCli(["migrate", "--postgres-dsn", database.dsn], {}, emptyDir);
    expect(second).toEqual({ code: 0, stdout: "schema is up to date\n", stderr: "" });
  });
});
