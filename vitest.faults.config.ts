import { defineConfig } from "vitest/config";

// The fault suite (`npm run test:faults`), kept out of `npm test`. Its files
// run one after another: each starts several processes and loads them, and
// on a small machine two at once would measure each other. FAULTS_LONG=1
// (`npm run test:faults:long`) adds the *.long.test.ts files (the soak).
const long = process.env.FAULTS_LONG === "1";

export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    exclude: long ? [] : ["test/faults/**/*.long.test.ts"],
    fileParallelism: false,
    testTimeout: long ? 20 * 60_000 : 5 * 60_000,
    hookTimeout: 120_000,
  },
});
