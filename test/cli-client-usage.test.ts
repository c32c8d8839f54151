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

describe("usage mistakes exit 2 with commander's message and no call", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["a missing required option", ["slots", "create", "--clinician", someId, "--start", "2031-01-06T09:00:00Z", "--url", closed], /^error: required option '--end <time>' not specified$/m],
    ["a missing argument", ["confirm", "--url", closed], /^error: missing required argument 'id'$/m],
    ["an unknown protocol", ["get", someId, "--protocol", "soap", "--url", closed], /^error: option '--protocol <protocol>' argument 'soap' is invalid\. Allowed choices are grpc, connect, grpc-web\.$/m],
    ["a time without an offset", ["slots", "list", "--from", "2031-01-06T09:00:00", "--url", closed], /^error: option '--from <time>' argument '2031-01-06T09:00:00' is invalid\. expected an RFC 3339 time/m],
    ["a malformed duration", ["slots", "create", "--clinician", someId, "--start", "2031-01-06T09:00:00Z", "--end", "2031-01-06T09:30:00Z", "--every", "soon", "--url", closed], /^error: option '--every <duration>' argument 'soon' is invalid\. expected a duration/m],
    ["a limit that is not a number", ["clinicians", "list", "--limit", "ten", "--url", closed], /^error: option '--limit <n>' argument 'ten' is invalid\. expected a whole number of at least 1$/m],
    ["a URL that is not one", ["clinicians", "list", "--url", "localhost 8080"], /^error: option '--url <url>' argument 'localhost 8080' is invalid\. expected a URL/m],
    ["an unknown subcommand", ["slots", "delete"], /^error: unknown command 'delete'$/m],
    ["a group without its subcommand", ["patients"], /^Usage: sched patients \[options\] \[command\]$/m],
  ];

  it.concurrent.each(cases)("%s", async (_, args, message) => {
    const { code, stdout, stderr } = await runCli(args, {}, emptyDir);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: "", stderr: expect.stringMatching(message) });
    expect(stderr).not.toContain("cannot reach");
  });

  it("a malformed HTTP_PORT is a configuration error: one line naming it, exit 2", async () => {
    const { code, stderr } = await runCli(["clinicians", "list"], { HTTP_PORT: "eighty" }, emptyDir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^sched: HTTP_PORT\b[^\n]*\n$/);
  });
});
