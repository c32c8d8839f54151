import { SchedError } from "../../core/errors.js";

// A malformed flag is a usage error: exit code 2, as for a malformed variable.
function invalid(name: string, text: string, expected: string): SchedError {
  return new SchedError("invalid_usage", `${name}: ${JSON.stringify(text)} is not ${expected}`);
}

export function positiveInteger(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw invalid(name, text, "a positive integer");
  }
  return Number(text);
}

/** A ratio of the traffic mix: any number from 0 up; the ratios are normalised together. */
export function ratio(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) throw invalid(name, text, "a number of 0 or more");
  return value;
}
