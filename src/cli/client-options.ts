import { readFileSync } from "node:fs";
import { InvalidArgumentError, Option, type Command } from "commander";
import { createSchedClient, type SchedClient, type SchedProtocol } from "../client/index.js";
import { loadConfig } from "../config/config.js";
import { configurationError } from "../config/config-error.js";
import { callFailure } from "./describe-error.js";

/** The options every client command has. */
export interface ClientOptions {
  url?: string;
  protocol: SchedProtocol;
  json?: boolean;
  token?: string;
  caFile?: string;
}

export interface Server {
  url: string;
  /** Runs one call; a server that cannot be reached is an unavailable SchedError naming it as given. */
  call<T>(request: (client: SchedClient) => Promise<T>): Promise<T>;
}

const protocols: SchedProtocol[] = ["grpc", "connect", "grpc-web"];
// A server that accepts the connection but never answers must not hang the terminal.
const callTimeoutMs = 30_000;

/** Adds --url, --protocol, --token, --ca-file and --json. */
export function addClientOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--url <url>", "the server (default: http://localhost:$HTTP_PORT)")
        .argParser(parseServerUrl),
    )
    .addOption(new Option("--protocol <protocol>", "how to call it").choices(protocols).default("grpc"))
    .option("--token <token>", "bearer token to send (SCHED_TOKEN; the variable keeps it out of the process list)")
    .option("--ca-file <file>", "PEM CA certificate(s) to trust for an https:// --url (SCHED_CA_FILE)")
    .option("--json", "print the JSON the REST API answers, for scripts");
}

/** `streaming`: no deadline per call, for a stream that runs until it is stopped. */
export function connect(options: ClientOptions, { streaming = false }: { streaming?: boolean } = {}): Server {
  const config = loadConfig();
  const url = options.url ?? `http://localhost:${config.httpPort}`;
  const caFile = options.caFile ?? config.client.caFile;
  const client = createSchedClient({
    baseUrl: url,
    protocol: options.protocol,
    defaultTimeoutMs: streaming ? undefined : callTimeoutMs,
    token: options.token ?? config.client.token,
    ca: caFile === undefined ? undefined : readCaFile(caFile),
  });
  return {
    url,
    async call(request) {
      try {
        return await request(client);
      } catch (error) {
        throw callFailure(error, url);
      }
    },
  };
}

function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw configurationError("SCHED_CA_FILE", `--ca-file: cannot read ${file} (${(error as { code?: string }).code ?? "unreadable"})`);
  }
}

function parseServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected a URL such as http://localhost:8080");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("expected an http:// or https:// URL");
  return value.replace(/\/+$/, "");
}
