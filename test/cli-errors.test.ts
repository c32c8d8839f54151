import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.js";

// How the CLI reports what went wrong: usage mistakes in one line that points
// at --help (exit 2), failures as JSON on stderr under --json, and TLS
// mistakes in words that say what to do. The servers here are bare Node
// servers: what matters is what the CLI makes of them.

const emptyDir = mkdtempSync(join(tmpdir(), "sched-cli-errors-"));
const someId = "00000000-0000-4000-8000-000000000000";
const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

describe("usage mistakes", () => {
  it.concurrent.each([
    [["frobnicate"], "sched: unknown command 'frobnicate'; see 'sched --help'\n"],
    [["book", "--slot", someId], "sched: required option '--patient <id>' not specified; see 'sched book --help'\n"],
    [["clinicians", "list", "--limit", "0"], "sched: option '--limit <n>' argument '0' is invalid. expected a whole number of at least 1; see 'sched clinicians list --help'\n"],
    [["list", "--url", "http://127.0.0.1:1"], "sched: give either --patient <id> or --slot <id>; see 'sched list --help'\n"],
    [["seed", "--no-such-flag"], "sched: unknown option '--no-such-flag'; see 'sched seed --help'\n"],
  ])("sched %j is one line with a hint to --help, exit 2", async (args, line) => {
    expect(await runCli(args, {}, emptyDir)).toEqual({ code: 2, stdout: "", stderr: line });
  });

  it("with --json, a usage mistake is JSON on stderr", async () => {
    const { code, stdout, stderr } = await runCli(["book", "--slot", someId, "--json"], {}, emptyDir);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(JSON.parse(stderr)).toEqual({
      error: "invalid_usage",
      details: "required option '--patient <id>' not specified; see 'sched book --help'",
    });
  });
});

describe("--json failures", () => {
  it("a server that cannot be reached is JSON on stderr, exit 1", async () => {
    const { code, stdout, stderr } = await runCli(["get", someId, "--url", "http://127.0.0.1:1", "--json"], {}, emptyDir);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr.endsWith("\n")).toBe(true);
    expect(JSON.parse(stderr)).toEqual({ error: "unavailable", details: "cannot reach http://127.0.0.1:1: connection refused" });
  });

  it("a configuration mistake is JSON on stderr, exit 2", async () => {
    const { code, stderr } = await runCli(["clinicians", "list", "--json"], { HTTP_PORT: "eighty" }, emptyDir);
    expect(code).toBe(2);
    expect(JSON.parse(stderr)).toMatchObject({ error: "invalid_configuration", details: expect.stringMatching(/^HTTP_PORT\b/) });
  });
});

describe("--version and no command", () => {
  it.concurrent.each([["--version"], ["-V"]])("sched %s prints the package's version, exit 0", async (flag) => {
    expect(await runCli([flag], {}, emptyDir)).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("sched alone prints its help on stdout, exit 0", async () => {
    const { code, stdout, stderr } = await runCli([], {}, emptyDir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^Usage: sched \[options\] \[command\]/);
  });
});

describe("TLS mistakes", () => {
  let plain: http.Server;
  let secure: http2.Http2SecureServer;
  let certFile: string;
  let plainUrl: string;
  let secureUrl: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "sched-cli-tls-"));
    const keyFile = join(dir, "key.pem");
    certFile = join(dir, "cert.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyFile, "-out", certFile,
    ], { stdio: "ignore" });
    plain = http.createServer((_, response) => response.end("plain"));
    secure = http2.createSecureServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), allowHTTP1: true }, (_, response) => response.end("tls"));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
    plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    secureUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
    await new Promise((resolve) => secure.close(resolve));
  });

  const protocols = ["grpc", "connect", "grpc-web"];

  it.each(protocols)("https:// to a plain HTTP server says to use http:// (%s)", async (protocol) => {
    const url = plainUrl.replace("http:", "https:");
    const result = await runCli(["get", someId, "--url", url, "--protocol", protocol], {}, emptyDir);
    expect(result).toEqual({ code: 1, stdout: "", stderr: `sched: cannot reach ${url}: it does not speak TLS: use an http:// URL\n` });
  });

  it.each(protocols)("an untrusted certificate points at --ca-file (%s)", async (protocol) => {
    const result = await runCli(["get", someId, "--url", secureUrl, "--protocol", protocol], {}, emptyDir);
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `sched: cannot reach ${secureUrl}: its certificate is not trusted: give the CA that signed it with --ca-file (or SCHED_CA_FILE)\n`,
    });
  });

  it.each(protocols)("http:// to a TLS server suggests https:// (%s)", async (protocol) => {
    const url = secureUrl.replace("https:", "http:");
    const result = await runCli(["get", someId, "--url", url, "--protocol", protocol], {}, emptyDir);
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `sched: cannot reach ${url}: the connection was closed without an answer (a TLS server wants an https:// URL)\n`,
    });
  });
});
