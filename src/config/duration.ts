import parseDurationText from "parse-duration";
import { SchedError } from "../core/errors.js";

// parse-duration skips whatever it does not understand ("1h2x" comes out as one hour), so only
// text that is wholly a Go duration, or a bare number of seconds, is handed to it.
const unsignedNumber = String.raw`(?:\d+(?:\.\d+)?|\.\d+)`;
const goDuration = new RegExp(`^(?:${unsignedNumber}(?:ns|us|µs|ms|s|m|h))+$`);
const bareSeconds = new RegExp(`^${unsignedNumber}$`);

/** Milliseconds in a Go-style duration ("1m30s") or a bare number of seconds ("5"); undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const durationText = bareSeconds.test(text) ? `${text}s` : text;
  if (!goDuration.test(durationText)) return undefined;
  const milliseconds = parseDurationText(durationText);
  // Go durations are whole nanoseconds; rounding to them also drops float noise (1.1s is not 1100.0000000000002ms).
  return milliseconds === null ? undefined : Math.round(milliseconds * 1e6) / 1e6;
}

/**
 * Where a duration comes from, which decides what it may be and how a mistake is worded:
 * a setting (variable, .env or the flag that stands for it: invalid_configuration), a setting
 * counted in whole seconds (the rate limiter's window and JWT ages are), a flag checked after
 * parsing (`sched simulate --duration`, which may also come from SIM_DURATION: invalid_usage), or
 * an option commander checks as it reads it, whose message commander prefixes with the option.
 */
export type DurationSource = "setting" | "seconds setting" | "flag" | "option";

/**
 * The one reader of every duration a person types: the same forms everywhere (Go durations and
 * bare seconds, never zero), in milliseconds; a mistake is a SchedError whose one line says, per
 * source, what the duration must be.
 */
export function readDuration(source: DurationSource, name: string, text: string): number {
  const milliseconds = parseDuration(text);
  const given = `${name}: ${JSON.stringify(text)}`;
  const setting = (words: string): SchedError => new SchedError("invalid_configuration", `${given} ${words}`, { variable: name });
  switch (source) {
    case "setting":
      if (milliseconds === undefined) throw setting("is not a duration (examples: 10m, 1m30s, 500ms, 30)");
      if (milliseconds <= 0) throw setting("must be longer than zero");
      return milliseconds;
    case "seconds setting":
      if (milliseconds === undefined || milliseconds < 1000 || milliseconds % 1000 !== 0) {
        throw setting("is not a whole number of seconds (examples: 1s, 1m, 60)");
      }
      return milliseconds;
    case "flag":
      if (milliseconds === undefined || milliseconds <= 0) {
        throw new SchedError("invalid_usage", `${given} is not a duration longer than zero (examples: 30s, 1m30s, 500ms, 10)`);
      }
      return milliseconds;
    case "option":
      if (milliseconds === undefined || milliseconds <= 0) throw new SchedError("invalid_usage", "expected a duration such as 30m, 1h30m or 900 (seconds)");
      return milliseconds;
  }
}
