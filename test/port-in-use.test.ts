import { existsSync, mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

// A port something else listens on is one line naming the settings that
// change it; sched dev says so before it sets up its database.

const emptyDir = mkdtempSync(join(tmpdir(), "sched-port-in-use-"));
let occupant: Server;
let port: number;

beforeAll(async () => {
  occupant = createServer();
  await new Promise<void>((resolve) => occupant.listen(0, "127.0.0.1", resolve));
  port = (occupant.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => occupant.close(resolve));
});

const line = (): string => `sched: port ${port} is in use: stop what listens on it, or choose another port with HTTP_PORT or --http-port\n`;

describe("a port in use", () => {
  it("sched serve says so in one line, exit 1", async () => {
    const result = await runCli(["serve", "--host", "127.0.0.1", "--http-port", String(port)], { POSTGRES_DSN: "postgres://postgres@127.0.0.1:1/sched" }, emptyDir);
    expect(result).toEqual({ code: 1, stdout: "", stderr: line() });
  });

  it("sched serve with HTTP_PORT says so in the same line, exit 1", async () => {
    const result = await runCli(["serve", "--host", "127.0.0.1"], { HTTP_PORT: String(port), POSTGRES_DSN: "postgres://postgres@127.0.0.1:1/sched" }, emptyDir);
    expect(result).toEqual({ code: 1, stdout: "", stderr: line() });
  });

  it("sched dev says so before it creates its data folder", async () => {
    const dataDir = join(emptyDir, "dev-data");
    const result = await runCli(["dev", "--host", "127.0.0.1", "--http-port", String(port), "--data-dir", dataDir], {}, emptyDir);
    expect(result).toEqual({ code: 1, stdout: "", stderr: line() });
    expect(existsSync(dataDir)).toBe(false);
  });
});
