import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// CI's last line must count a file that failed outside its tests: these
// fixture suites (test/fixtures/failing-suites, which `npm test` never
// collects) throw in beforeAll, throw in afterAll and fail to import, run by
// a vitest of their own in a child process, and .ci/summarize-reports.mjs
// reads the JSON report that run writes, as .ci/run does.
const root = fileURLToPath(new URL("..", import.meta.url));
const vitest = join(root, "node_modules/vitest/vitest.mjs");
const summarizer = join(root, ".ci/summarize-reports.mjs");
const fixtureConfig = join(root, "test/fixtures/failing-suites/vitest.config.ts");
const scratch = mkdtempSync(join(tmpdir(), "sched-ci-summary-"));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root, timeout: 90_000 }, (error, stdout) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout });
    });
  });
}

/** Runs the fixture suites (those whose names match `filter`) and returns the report's path. */
async function fixtureReport(name: string, filter: string[]): Promise<string> {
  const report = join(scratch, `${name}.json`);
  const suites = await run([vitest, "run", "-c", fixtureConfig, "--reporter=json", `--outputFile.json=${report}`, ...filter]);
  expect(suites.code).toBe(1);
  return report;
}

function lastLine(text: string): string {
  return text.trimEnd().split("\n").at(-1)!;
}

describe(".ci/summarize-reports.mjs", () => {
  it("counts a throwing beforeAll, a throwing afterAll and a failed import as failures, though vitest counts no failed test", async () => {
    const report = await fixtureReport("all", []);
    const summary = await run([summarizer, report]);
    expect(lastLine(summary.stdout)).toBe("2 passed, 3 failed");
    expect(summary.stdout).toContain("throwing-before-all.fixture.ts failed outside its tests: setup failed on purpose");
    expect(summary.stdout).toContain("throwing-after-all.fixture.ts failed outside its tests: teardown failed on purpose");
    expect(summary.stdout).toContain("failing-import.fixture.ts failed outside its tests: this module fails to load on purpose");
    expect(summary.code).toBe(1);
  });

  it("adds the reports of several runs, and a report that was never written counts as one failure", async () => {
    const report = await fixtureReport("before-all", ["throwing-before-all"]);
    const summary = await run([summarizer, report, join(scratch, "never-written.json")]);
    expect(lastLine(summary.stdout)).toBe("0 passed, 2 failed");
    expect(summary.stdout).toContain("never-written.json: no report (ENOENT)");
    expect(summary.code).toBe(1);
  });

  it("says 0 failed and exits 0 when every file passed", async () => {
    const report = join(scratch, "passing.json");
    const suites = await run([vitest, "run", "-c", fixtureConfig, "--reporter=json", `--outputFile.json=${report}`, "passing"]);
    expect(suites.code).toBe(0);
    const summary = await run([summarizer, report]);
    expect(summary.stdout).toBe("1 passed, 0 failed\n");
    expect(summary.code).toBe(0);
  });
});
