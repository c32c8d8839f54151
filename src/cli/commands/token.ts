import { Option, type Command } from "commander";
import { signToken } from "../../app/sign-token.js";
import { flagsFromOptions, loadConfig } from "../../config/config.js";
import { configurationError } from "../../config/config-error.js";
import { callerFromClaims } from "../../core/access/caller-from-claims.js";
import { roles } from "../../core/access/caller.js";
import { SchedError } from "../../core/errors.js";
import { addConfigOptions } from "../config-options.js";
import { positiveDurationMs } from "../option-parsers.js";

interface TokenFlags {
  role: string;
  subject: string;
  ttl: number;
}

export function registerToken(program: Command): void {
  const command = program.command("token")
    .description("mint a bearer token (HS256, from AUTH_JWT_SECRET) for a role and subject; prints only the token")
    .addOption(new Option("--role <role>", "what the caller may do").choices(roles).makeOptionMandatory())
    .requiredOption("--subject <id>", "who the caller is: a patient's id for --role patient")
    .addOption(new Option("--ttl <duration>", "how long the token is valid").argParser(positiveDurationMs).default(3_600_000, "1h"))
    .addHelpText(
      "after",
      "\nExamples:\n  export SCHED_TOKEN=$(sched token --role staff --subject ops-alice --ttl 8h)\n" +
        "  sched token --role patient --subject 018363f2-2780-4be4-9942-aa0c7cbf0812\n\n" +
        "The token carries AUTH_ISSUER and AUTH_AUDIENCE when they are set, as the server checks them.",
    );
  addConfigOptions(command, ["AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_MAX_TOKEN_AGE"]);
  command.action(async (options: TokenFlags & Record<string, unknown>) => {
    const auth = loadConfig({ flags: flagsFromOptions(options) }).security.auth;
    if (auth?.key.kind !== "secret") {
      throw configurationError("AUTH_JWT_SECRET", "sched token signs with AUTH_JWT_SECRET: set it in the environment or in .env");
    }
    const caller = callerFromClaims(options.subject, options.role);
    if (caller === undefined) throw new SchedError("invalid_usage", "--subject: a patient's subject is its patient id (a UUID)");
    const ttlSeconds = Math.max(1, Math.round(options.ttl / 1000));
    if (ttlSeconds > auth.maxTokenAgeSeconds) {
      throw new SchedError("invalid_usage", `--ttl: longer than AUTH_MAX_TOKEN_AGE (${auth.maxTokenAgeSeconds}s), the oldest token a server accepts`);
    }
    const token = await signToken({ caller, secret: auth.key.secret, ttlSeconds, issuer: auth.issuer, audience: auth.audience });
    process.stdout.write(`${token}\n`);
  });
}
