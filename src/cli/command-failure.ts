/** A failure the CLI reports as one line on stderr and an exit code. */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = "CommandFailure";
  }
}
