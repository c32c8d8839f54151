import { parseDuration } from "../../src/config/duration.js";

export interface Options {
  seconds: number;
  clients: number[];
  out: string;
  /** `sched serve` processes; the generator deals its clients to them. */
  servers: number;
  /** Past appointments loaded before the repeat of the spread run (0 skips it). */
  appointments: number;
  /** Lapsed holds for the expiry worker's cell (0 skips it). */
  expiryHolds: number;
  /** Length of the 50-client RSS soak (0, the default, skips it). */
  soakSeconds: number;
  /** Unmeasured load on each server and protocol before the first cell (0 skips it). */
  warmUpSeconds: number;
}

const usage = "known: --seconds N, --clients 1,16,50, --out FILE, --servers N, --appointments N, --expiry-holds N, --soak DURATION, --warm-up N";

export const help = `Usage: npm run bench -- [options]

Measures sched serve in the production configuration and the open server against pgbench of the
booking statement, on a database of its own (see docs/benchmarks.md).

Options:
  --seconds N          per cell (default 10)
  --clients LIST       client counts, e.g. 1,16,50 (the default)
  --servers N          sched serve processes (default 1)
  --appointments N     past appointments before the repeat of the spread run (default 1000000; 0 skips it)
  --expiry-holds N     lapsed holds for the expiry cell (default 100000, at most 200000; 0 skips it)
  --soak DURATION      a memory soak at 50 clients, e.g. 5m (default: none)
  --warm-up N          seconds of unmeasured load on each server and protocol first (default 5; 0 skips it)
  --out FILE           the JSON results (default bench-results.json)
  --help               this text`;

/** A mistake in the command line: reported in one line, exit code 2. */
export class OptionError extends Error {}

export function parseArgs(argv: string[]): Options {
  const options: Options = { seconds: 10, clients: [1, 16, 50], out: "bench-results.json", servers: 1, appointments: 1_000_000, expiryHolds: 100_000, soakSeconds: 0, warmUpSeconds: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new OptionError(`${flag} needs a value`);
    if (flag === "--seconds") options.seconds = Number(value);
    else if (flag === "--clients") options.clients = value.split(",").map(Number);
    else if (flag === "--out") options.out = value;
    else if (flag === "--servers") options.servers = Number(value);
    else if (flag === "--appointments") options.appointments = Number(value);
    else if (flag === "--expiry-holds") options.expiryHolds = Number(value);
    else if (flag === "--soak") options.soakSeconds = (parseDuration(value) ?? Number.NaN) / 1000;
    else if (flag === "--warm-up") options.warmUpSeconds = Number(value);
    else throw new OptionError(`unknown option ${flag}; ${usage}`);
  }
  const whole = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;
  if (!(options.seconds > 0) || !options.clients.every((c) => whole(c, 1))) throw new OptionError("--seconds must be > 0 and --clients positive integers");
  if (!whole(options.servers, 1) || !whole(options.appointments, 0) || !whole(options.expiryHolds, 0)) throw new OptionError("--servers must be ≥ 1, --appointments and --expiry-holds ≥ 0");
  if (!(options.warmUpSeconds >= 0)) throw new OptionError("--warm-up takes a number of seconds, 0 to skip it");
  if (!(options.soakSeconds >= 0)) throw new OptionError("--soak takes a duration such as 5m or 300s");
  if (options.expiryHolds > 200_000) throw new OptionError("--expiry-holds is at most the 200 000 slots (one lapsed hold per slot)");
  return options;
}
