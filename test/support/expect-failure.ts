import { expect } from "vitest";
import type { ErrorCode } from "../../src/core/errors.js";

/** The call fails with the domain error of that code. */
export async function expectFailure(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: "SchedError", code });
}
