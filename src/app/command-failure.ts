/** A failure the CLI reports as one line on stderr and an exit code. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
    /** What `--json` reports as the error; by default invalid_usage for exit 2, failed otherwise. */
    readonly code?: string,
  ) {
    super(message);
    this.name = "CommandFailure";
  }
}
