import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The fault suite has its own config and command (npm run test:faults).
    exclude: [...configDefaults.exclude, "test/faults/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
