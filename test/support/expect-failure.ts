import { expect } from "vitest";
import { SchedError, type ErrorCode, type SchedErrorCode } from "../../src/core/errors.js";

/** The call fails with the domain error of that code. */
export async function expectFailure(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: "SchedError", code });
}

/** The code of the domain error the call fails with, for a test that checks it against several answers. */
export async function failureCode(promise: Promise<unknown>): Promise<SchedErrorCode> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, "the call succeeded where it must fail").toBeInstanceOf(SchedError);
  return (error as SchedError).code;
}
