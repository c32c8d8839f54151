import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { SchedError } from "../../core/errors.js";
import { readDuration } from "../../config/duration.js";
import { positiveInteger, ratio } from "../flags/flag-values.js";
import { trafficProtocols, type TrafficProtocol } from "./traffic-client.js";
import { normalisedMix, type TrafficMix } from "./traffic-mix.js";

export interface SimulationSettings {
  urls: string[];
  protocol: TrafficProtocol;
  durationMs: number;
  workers: number;
  /** Normalised: the shares add up to 1. */
  mix: TrafficMix;
  patientLimit: number;
  slotLimit: number;
  /** A staff or service token for a server that asks for one. */
  token: string | undefined;
  /** The CA file's certificates, for servers with a private CA. */
  ca: Buffer | undefined;
}

export const defaultUrl = "http://localhost:8080";

/** Reads the simulate command's options; a value's error names where it came from, flag or SIM_* variable. */
export function simulationSettings(command: Command): SimulationSettings {
  const options = command.opts<Record<string, string | string[] | undefined>>();
  const nameOf = (key: string): string => {
    const option = command.options.find((candidate) => candidate.attributeName() === key)!;
    return command.getOptionValueSource(key) === "env" ? option.envVar! : option.long!;
  };
  const value = (key: string): [name: string, text: string] => [nameOf(key), String(options[key])];
  return {
    urls: baseUrls(nameOf("url"), options.url),
    protocol: protocol(...value("protocol")),
    durationMs: readDuration("flag", ...value("duration")),
    workers: positiveInteger(...value("workers")),
    mix: normalisedMix({
      booking: ratio(...value("bookingRatio")),
      confirm: ratio(...value("confirmRatio")),
      read: ratio(...value("readRatio")),
    }),
    patientLimit: positiveInteger(...value("patientLimit")),
    slotLimit: positiveInteger(...value("slotLimit")),
    token: typeof options.token === "string" ? options.token : undefined,
    ca: typeof options.caFile === "string" ? readCaFile(nameOf("caFile"), options.caFile) : undefined,
  };
}

// Several servers may be given, by repeating --url or separating them with
// commas (which is how SIM_API_BASE_URL carries more than one).
function baseUrls(name: string, given: string | string[] | undefined): string[] {
  const urls = (Array.isArray(given) ? given : [given ?? defaultUrl]).flatMap((text) => text.split(",")).map((text) => text.trim());
  for (const url of urls) {
    if (!/^https?:\/\/[^/]/i.test(url) || !URL.canParse(url)) {
      throw new SchedError("invalid_usage", `${name}: ${JSON.stringify(url)} is not an http:// or https:// URL`);
    }
  }
  return urls.map((url) => url.replace(/\/+$/, ""));
}

function readCaFile(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new SchedError("invalid_usage", `${name}: cannot read ${file} (${(error as { code?: string }).code ?? "unreadable"})`);
  }
}

function protocol(name: string, text: string): TrafficProtocol {
  const known = trafficProtocols.find((candidate) => candidate === text);
  if (known === undefined) throw new SchedError("invalid_usage", `${name}: ${JSON.stringify(text)} is not one of ${trafficProtocols.join(", ")}`);
  return known;
}
