import { spawnSched } from "./sched-process.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the compiled `sched` binary as an operator would. The environment is
 * replaced, not inherited, so that nothing from the developer's shell or a
 * .env file changes what a test sees; a command still running after 30 s is
 * stopped, and one ended by a signal counts as exit code 1.
 */
export async function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  const command = spawnSched(args, { env, cwd, timeoutMs: 30_000 });
  const exit = await command.exited;
  return { code: exit.code ?? 1, stdout: command.stdout(), stderr: command.stderr() };
}
