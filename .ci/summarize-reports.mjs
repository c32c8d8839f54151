#!/usr/bin/env node
// The last line of CI, "N passed, N failed", from vitest's JSON reports.
//
// vitest counts tests, and a file can fail without a failed test: a throwing
// beforeAll marks its tests skipped, a file that fails to import has no test,
// a throwing afterAll fails only the file. So a file that failed with no
// failed test of its own counts as one failure, a report that says
// success: false with nothing else failed counts as one, and a report that is
// missing or unreadable (the run died before writing it) counts as one.
// Exits 1 when anything failed, so the line and the status cannot disagree.
//
//   node .ci/summarize-reports.mjs report.json [more.json ...]
import { readFileSync } from "node:fs";
import { relative } from "node:path";

function summarize(files) {
  let passed = 0;
  let failed = 0;
  const problems = [];
  for (const file of files) {
    let report;
    try {
      report = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      failed += 1;
      problems.push(`${file}: no report (${error.code ?? error.message})`);
      continue;
    }
    passed += report.numPassedTests ?? 0;
    let counted = report.numFailedTests ?? 0;
    for (const result of report.testResults ?? []) {
      if (result.status === "passed") continue;
      const ownFailures = (result.assertionResults ?? []).filter((test) => test.status === "failed").length;
      if (ownFailures === 0) {
        counted += 1;
        const why = String(result.message ?? "").split("\n")[0] || "no reason given";
        problems.push(`${relative(process.cwd(), result.name)} failed outside its tests: ${why}`);
      }
    }
    if (report.success === false && counted === 0) {
      counted = 1;
      problems.push(`${file}: the run failed with no failed test or file`);
    }
    failed += counted;
  }
  return { passed, failed, problems };
}

if (process.argv.length < 3) {
  console.error("usage: node .ci/summarize-reports.mjs report.json [more.json ...]");
  process.exit(2);
}
const { passed, failed, problems } = summarize(process.argv.slice(2));
for (const problem of problems) console.log(problem);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
