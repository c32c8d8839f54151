import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

// What the client commands say before any server answers: help, usage
// mistakes (exit 2) and a server that cannot be reached (exit 1). No server
// runs here; the one closed port used is 127.0.0.1:1.

const emptyDir = mkdtempSync(join(tmpdir(), "sched-cli-client-usage-"));
const closed = "http://127.0.0.1:1";
const someId = "00000000-0000-4000-8000-000000000000";

const leafCommands = [
  "book",
  "confirm",
  "cancel",
  "get",
  "list",
  "slots create",
  "slots list",
  "patients create",
  "patients get",
  "patients list",
  "clinicians create",
  "clinicians get",
  "clinicians list",
];

describe("--help", () => {
  it.concurrent.each(leafCommands)("sched %s --help shows the common options and an example", async (command) => {
    const { code, stdout, stderr } = await runCli([...command.split(" "), "--help"], {}, emptyDir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(new RegExp(`^Usage: sched ${command} `));
    for (const option of ["--url <url>", "--protocol <protocol>", "--json"]) expect(stdout).toContain(option);
    expect(stdout).toMatch(/^Examples?:$/m);
    expect(stdout).toMatch(new RegExp(`^  sched ${command} \\S`, "m"));
  });

  it.concurrent.each(["slots", "patients", "clinicians"])("sched %s --help lists its subcommands with examples", async (group) => {
    const { code, stdout } = await runCli([group, "--help"], {}, emptyDir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}create \[options\]/m);
    expect(stdout).toMatch(new RegExp(`^  sched ${group} \\S`, "m"));
  });
});

describe("a server that cannot be reached", () => {
  it.concurrent.each(["grpc", "connect", "grpc-web"])("is one line naming the URL over %s, exit 1", async (protocol) => {
    const result = await runCli(["get", someId, "--url", closed, "--protocol", protocol], {}, emptyDir);
    expect(result).toEqual({ code: 1, stdout: "", stderr: `sched: cannot reach ${closed}: connection refused\n` });
  });

  it.concurrent("defaults to http://localhost:$HTTP_PORT", async () => {
    const result = await runCli(["book", "--slot", someId, "--patient", someId], { HTTP_PORT: "1" }, emptyDir);
    expect(result).toEqual({ code: 1, stdout: "", stderr: "sched: cannot reach http://localhost:1: connection refused\n" });
  });
});

describe("usage mistakes exit 2 with one line pointing at the command's help, and no call", () => {
  const cases: Array<[string, string[], string]> = [
    ["a missing required option", ["slots", "create", "--clinician", someId, "--start", "2031-01-06T09:00:00Z", "--url", closed], "required option '--end <time>' not specified; see 'sched slots create --help'"],
    ["a missing argument", ["confirm", "--url", closed], "missing required argument 'id'; see 'sched confirm --help'"],
    ["an unknown protocol", ["get", someId, "--protocol", "soap", "--url", closed], "option '--protocol <protocol>' argument 'soap' is invalid. Allowed choices are grpc, connect, grpc-web.; see 'sched get --help'"],
    ["a time without an offset", ["slots", "list", "--from", "2031-01-06T09:00:00", "--url", closed], "option '--from <time>' argument '2031-01-06T09:00:00' is invalid. expected an RFC 3339 time with an offset, such as 2031-01-06T09:00:00Z; see 'sched slots list --help'"],
    ["a malformed duration", ["slots", "create", "--clinician", someId, "--start", "2031-01-06T09:00:00Z", "--end", "2031-01-06T09:30:00Z", "--every", "soon", "--url", closed], "option '--every <duration>' argument 'soon' is invalid. expected a duration such as 30m, 1h30m or 900 (seconds); see 'sched slots create --help'"],
    ["a limit that is not a number", ["clinicians", "list", "--limit", "ten", "--url", closed], "option '--limit <n>' argument 'ten' is invalid. expected a whole number of at least 1; see 'sched clinicians list --help'"],
    ["a URL that is not one", ["clinicians", "list", "--url", "localhost 8080"], "option '--url <url>' argument 'localhost 8080' is invalid. expected a URL such as http://localhost:8080; see 'sched clinicians list --help'"],
    ["an unknown subcommand", ["slots", "delete"], "unknown command 'delete'; see 'sched slots --help'"],
    ["a group without its subcommand", ["patients"], "missing command: create, get, list; see 'sched patients --help'"],
  ];

  it.concurrent.each(cases)("%s", async (_, args, message) => {
    const result = await runCli(args, {}, emptyDir);
    expect(result).toEqual({ code: 2, stdout: "", stderr: `sched: ${message}\n` });
  });

  it("a malformed HTTP_PORT is a configuration error: one line naming it, exit 2", async () => {
    const { code, stderr } = await runCli(["clinicians", "list"], { HTTP_PORT: "eighty" }, emptyDir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^sched: HTTP_PORT\b[^\n]*\n$/);
  });
});
