import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../src/adapters/postgres/migrate.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { repositoryRoot, schedOnPath, type SchedOnPath } from "./support/sched-on-path.js";
import { startServerProcess, type ServerProcess } from "./support/sched-process.js";

/*
 * The README's examples cannot rot: every block fenced as ```sh runnable is
 * run, in order, in one bash shell with `set -euo pipefail`, as its HTML
 * comment promises: `sched` on the PATH, a server started on a fresh,
 * migrated database, HTTP_PORT and POSTGRES_DSN set for it, and
 * `localhost:8080` pointing at that server. A command that fails, or answers
 * something a pipeline in the block does not accept, fails this test with
 * the block's number and the shell's output.
 */

const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8");
const blocks = [...readme.matchAll(/^```sh runnable\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);

let database: TestDatabase;
let server: ServerProcess;
let sched: SchedOnPath;

beforeAll(async () => {
  database = await createTestDatabase("readme_examples");
  await migrate(database.dsn);
  server = await startServerProcess({ POSTGRES_DSN: database.dsn });
  sched = schedOnPath();
});

afterAll(async () => {
  await server?.stop();
  sched?.remove();
  await database?.drop();
});

interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runShell(script: string, env: Record<string, string>): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd: repositoryRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("README.md", () => {
  it("has runnable blocks", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });

  it("runs every runnable block as written", async () => {
    const address = `127.0.0.1:${server.port}`;
    const script = [
      "set -euo pipefail",
      ...blocks.map((block, index) => `echo "--- README block ${index + 1}" >&2\n${block.replaceAll("localhost:8080", address)}`),
    ].join("\n");
    const result = await runShell(script, {
      PATH: sched.path,
      HOME: process.env.HOME ?? "/tmp",
      HTTP_PORT: String(server.port),
      POSTGRES_DSN: database.dsn,
    });
    const failedBlock = [...result.stderr.matchAll(/--- README block (\d+)/g)].at(-1)?.[1];
    expect(result.code, `README block ${failedBlock} failed:\n${result.stderr}\n${result.stdout}`).toBe(0);

    // The blocks said they booked and confirmed two appointments, completed
    // the visit of one after moving it, overbooked its new slot with a hold,
    // and cancelled the other, whose place a waiting patient was offered and
    // confirmed; the database must agree.
    const client = new pg.Client({ connectionString: database.dsn });
    await client.connect();
    try {
      const { rows } = await client.query<{ status: string; overbooked: boolean; n: number }>(
        "SELECT status::text, overbooked, count(*)::int AS n FROM appointments GROUP BY status, overbooked ORDER BY status::text",
      );
      expect(rows).toEqual([
        { status: "cancelled", overbooked: false, n: 1 },
        { status: "confirmed", overbooked: false, n: 1 },
        { status: "fulfilled", overbooked: false, n: 1 },
        { status: "pending", overbooked: true, n: 1 },
      ]);
    } finally {
      await client.end();
    }
    // A dozen commands, each a fresh Node or Go process: slow on a loaded machine.
  }, 180_000);
});
