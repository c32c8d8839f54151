import { InvalidArgumentError } from "commander";
import { readDuration } from "../config/duration.js";

// Values commander checks as it reads them, so that a typo is a usage error
// naming the option rather than a request the server has to refuse.

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A whole number from `min` up; commander passes the option's text. */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min) {
      throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    }
    return number;
  };
}

/** An RFC 3339 time with its offset, such as 2031-01-06T09:00:00Z. */
export function rfc3339Time(value: string): Date {
  const date = new Date(value);
  if (!rfc3339.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError("expected an RFC 3339 time with an offset, such as 2031-01-06T09:00:00Z");
  }
  return date;
}

/** A positive duration such as 30m, 1h30m or 900 (seconds), in milliseconds. */
export function positiveDurationMs(value: string): number {
  try {
    return readDuration("option", "", value);
  } catch (error) {
    // commander reports its own error type, naming the option, as a usage mistake.
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}
