import parseDurationText from "parse-duration";

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
