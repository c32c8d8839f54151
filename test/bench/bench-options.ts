export interface Options {
  seconds: number;
  clients: number[];
  out: string;
}

export function parseArgs(argv: string[]): Options {
  const options: Options = { seconds: 10, clients: [1, 16, 50], out: "bench-results.json" };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--seconds") options.seconds = Number(value);
    else if (flag === "--clients") options.clients = value.split(",").map(Number);
    else if (flag === "--out") options.out = value;
    else throw new Error(`unknown option ${flag} (known: --seconds, --clients, --out)`);
    i += 1;
  }
  if (!(options.seconds > 0) || options.clients.some((c) => !Number.isInteger(c) || c < 1)) throw new Error("--seconds must be > 0 and --clients positive integers");
  return options;
}
